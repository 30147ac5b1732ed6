package backend

import (
	"errors"
	"strings"
)

// Fallback says why OpenAuto passed GL over.
type Fallback struct {
	// Renderer is the software renderer GL opened on ("llvmpipe"), which
	// trains many times slower than the cpu backend; "" when GL did not
	// open.
	Renderer string
	// Err is why GL did not open (nil when it opened on Renderer, or when
	// the gl backend is not registered).
	Err error
}

// String is the reason on one line.
func (f Fallback) String() string {
	switch {
	case f.Renderer != "":
		return "gl: " + f.Renderer + " is a software renderer; the CPU is faster here"
	case f.Err != nil:
		return "no OpenGL 4.3 context (" + strings.Join(strings.Fields(f.Err.Error()), " ") + ")"
	}
	return `the gl backend is not registered (import _ "gltrain/backend/gl")`
}

// OpenAuto opens the backend that trains fastest here, as train's
// -backend=auto chooses: "gl" when it is registered and opens on a
// hardware renderer (fb nil), and otherwise cpuSpec ("cpu", or
// "cpu:threads=N"; "" is "cpu") with fb saying why: no context, or a
// software renderer (Mesa's llvmpipe and its kind: DeviceInfo's Software).
// Open("auto") is OpenAuto("") without the reason; Open("auto:threads=N")
// gives the CPU fallback N threads.
func OpenAuto(cpuSpec string) (b Backend, fb *Fallback, err error) {
	if cpuSpec == "" {
		cpuSpec = "cpu"
	}
	fb = &Fallback{}
	if registered("gl") {
		if b, fb.Err = Open("gl"); fb.Err == nil {
			d, ok := b.(Describer)
			if !ok || !d.Device().Software {
				return b, nil, nil
			}
			fb.Renderer = d.Device().Renderer
			if i := strings.Index(fb.Renderer, " ("); i > 0 {
				fb.Renderer = fb.Renderer[:i] // "llvmpipe (LLVM 15.0.6, 256 bits)" is "llvmpipe"
			}
			b.Close()
		}
	}
	cpu, err := Open(cpuSpec)
	if err != nil {
		return nil, nil, errors.Join(fb.Err, err)
	}
	return cpu, fb, nil
}

// registered reports whether a backend of that name is registered.
func registered(name string) bool {
	registry.Lock()
	defer registry.Unlock()
	_, ok := registry.openers[name]
	return ok
}
