package gl

import "gltrain/backend"

// The optional capabilities of package backend that the GL backend has
// (their methods are in gl.go, beside the state they read).
var (
	_ backend.FreeMemoryReporter = (*Backend)(nil)
	_ backend.Warmer             = (*Backend)(nil)
	_ backend.ProgramCounter     = (*Backend)(nil)
	_ backend.ActivityCounter    = (*Backend)(nil)
)

// Programs is the number of programs compiled and linked so far, the
// shader variants included, once the commands queued so far have been
// issued.
func (b *Backend) Programs() int { return b.Counters().Programs }
