package glrt

import (
	"fmt"
	"strings"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// glErrorNames names the codes glGetError returns.
var glErrorNames = map[uint32]string{
	gl.INVALID_ENUM:                  "GL_INVALID_ENUM",
	gl.INVALID_VALUE:                 "GL_INVALID_VALUE",
	gl.INVALID_OPERATION:             "GL_INVALID_OPERATION",
	gl.INVALID_FRAMEBUFFER_OPERATION: "GL_INVALID_FRAMEBUFFER_OPERATION",
	gl.OUT_OF_MEMORY:                 "GL_OUT_OF_MEMORY",
	gl.STACK_UNDERFLOW:               "GL_STACK_UNDERFLOW",
	gl.STACK_OVERFLOW:                "GL_STACK_OVERFLOW",
	0x0507:                           "GL_CONTEXT_LOST",
}

// ErrGL is a GL error reported by glGetError.
type ErrGL struct {
	Op    string   // what was being attempted
	Codes []uint32 // every pending error code, oldest first
}

func (e *ErrGL) Error() string {
	names := make([]string, len(e.Codes))
	for i, c := range e.Codes {
		if n, ok := glErrorNames[c]; ok {
			names[i] = n
		} else {
			names[i] = fmt.Sprintf("0x%04x", c)
		}
	}
	return fmt.Sprintf("%s: %s", e.Op, strings.Join(names, ", "))
}

// OutOfMemory reports whether the device ran out of memory.
func (e *ErrGL) OutOfMemory() bool { return e.has(gl.OUT_OF_MEMORY) }

// ContextLost reports whether the context was lost (a GPU reset).
func (e *ErrGL) ContextLost() bool { return e.has(0x0507) }

func (e *ErrGL) has(code uint32) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// Check is the one place GL errors are read: it drains glGetError and
// returns the pending errors as an *ErrGL naming op, or nil. It runs after
// creation, compilation, allocation, transfers and Sync — and, in builds
// tagged gltraindebug, after every GL call this package makes (see
// debug_on.go).
func Check(op string) error {
	var codes []uint32
	for i := 0; i < 16; i++ { // a lost context may report errors forever
		c := gl.GetError()
		if c == gl.NO_ERROR {
			break
		}
		codes = append(codes, c)
	}
	if len(codes) == 0 {
		return nil
	}
	return &ErrGL{Op: op, Codes: codes}
}

// Check is Check(op) for the work of d. A debug build has already read,
// after each call, the errors Check would find, and kept the first (see
// debug_on.go): that one is returned, naming op and the call.
func (d *Device) Check(op string) error {
	if err := d.TakePending(); err != nil {
		if e, ok := err.(*ErrGL); ok {
			return &ErrGL{Op: op + ": " + e.Op, Codes: e.Codes}
		}
		return err
	}
	return Check(op)
}
