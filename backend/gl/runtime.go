package gl

import "gltrain/backend/gl/internal/glrt"

// device is the op code's handle on the GPU: the glrt.Runtime interface
// (the GL one, glrt.Device, below it), with Dispatch taking its buffers as
// arguments. The op files reach the device through it alone.
type device struct{ glrt.Runtime }

// Dispatch runs p over gx×gy×gz work groups with args on binding points 0,
// 1, … (glrt.Runtime.Dispatch). It copies args into a glrt.Args array:
// a concrete method's variadic list stays on the stack, so a dispatch
// allocates nothing, where one passed through the interface would.
func (d device) Dispatch(p *glrt.Program, gx, gy, gz int, args ...glrt.Arg) error {
	var a glrt.Args
	if len(args) > len(a) {
		panic("gl: " + p.Name() + ": more buffers than binding points")
	}
	copy(a[:], args)
	return d.Runtime.Dispatch(p, gx, gy, gz, a)
}
