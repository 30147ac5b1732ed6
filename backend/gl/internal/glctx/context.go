// Package glctx makes an OpenGL 4.3+ core context current on the calling
// thread, headless through EGL or in a hidden GLFW window, and says which way
// it took or, when none worked, why each way failed.
//
// The EGL paths, in the order auto tries them:
//
//	egl-device       EGL_EXT_device_enumeration + EGL_EXT_platform_device:
//	                 how NVIDIA GPUs are reached without X (Mesa lists its
//	                 devices here too, llvmpipe among them)
//	egl-surfaceless  EGL_MESA_platform_surfaceless: Mesa without a display
//	egl-default      eglGetDisplay(EGL_DEFAULT_DISPLAY)
//
// then glfw, a hidden window's context on the X display in $DISPLAY.
package glctx

import (
	"fmt"
	"strings"

	"github.com/go-gl/gl/v4.3-core/gl"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// Path is one way of making a context.
type Path string

// The paths, in the order Auto tries them.
const (
	EGLDevice      Path = "egl-device"
	EGLSurfaceless Path = "egl-surfaceless"
	EGLDefault     Path = "egl-default"
	GLFW           Path = "glfw"
)

// Auto is every path, headless first.
var Auto = []Path{EGLDevice, EGLSurfaceless, EGLDefault, GLFW}

// Names are the choices ParsePaths reads.
func Names() []string {
	names := []string{"auto", "egl"}
	for _, p := range Auto {
		names = append(names, string(p))
	}
	return names
}

// ParsePaths reads a path choice: "auto" (or ""), "egl" (the three EGL
// paths) or one path name.
func ParsePaths(s string) ([]Path, error) {
	switch s {
	case "", "auto":
		return Auto, nil
	case "egl":
		return Auto[:3], nil
	}
	for _, p := range Auto {
		if Path(s) == p {
			return []Path{p}, nil
		}
	}
	return nil, fmt.Errorf("unknown GL context path %s (valid: %s)", backend.Brief(s), strings.Join(Names(), ", "))
}

// Options chooses how to make the context.
type Options struct {
	Paths []Path // tried in order; nil means Auto
	// Device picks the EGL device by index for egl-device; -1 takes the
	// first that gives a context.
	Device int
	// Major and Minor are the least OpenGL version accepted (4.3 when 0).
	Major, Minor int
}

// Context is a current OpenGL context and what it runs on.
type Context struct {
	Path     Path
	Detail   string // which EGL device, or the GLFW version
	Vendor   string // GL_VENDOR
	Renderer string // GL_RENDERER
	Version  string // GL_VERSION
	release  func()
}

// Release destroys the context; call it on the thread that made it.
func (c *Context) Release() {
	if c.release != nil {
		c.release()
		c.release = nil
	}
}

// Attempt is one path tried and why it failed.
type Attempt struct {
	Path Path
	Err  error
}

// Error lists every path tried, each with its reason.
type Error struct {
	Major, Minor int
	Attempts     []Attempt
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no OpenGL %d.%d core context; tried:", e.Major, e.Minor)
	for _, a := range e.Attempts {
		fmt.Fprintf(&b, "\n  %s: %v", a.Path, a.Err)
	}
	return b.String()
}

// Unwrap returns the reasons, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// Make tries o's paths in order and returns the first context made current
// on the calling thread, with go-gl initialised for it. It must run on a
// thread locked with runtime.LockOSThread, which then owns the context.
func Make(o Options) (*Context, error) {
	if o.Major == 0 {
		o.Major, o.Minor = 4, 3
	}
	paths := o.Paths
	if paths == nil {
		paths = Auto
	}
	e := &Error{Major: o.Major, Minor: o.Minor}
	for _, p := range paths {
		var c *Context
		var err error
		switch p {
		case EGLDevice:
			c, err = makeEGLDevice(o)
		case EGLSurfaceless:
			c, err = makeEGLSurfaceless(o)
		case EGLDefault:
			c, err = makeEGLDefault(o)
		case GLFW:
			c, err = makeGLFW(o)
		default:
			err = fmt.Errorf("unknown path")
		}
		if err == nil {
			return c, nil
		}
		e.Attempts = append(e.Attempts, Attempt{Path: p, Err: err})
	}
	return nil, e
}

// checkVersion reads the version of the current context after go-gl has
// been initialised and rejects one below o's minimum.
func checkVersion(c *Context, o Options) error {
	var major, minor int32
	gl.GetIntegerv(gl.MAJOR_VERSION, &major)
	gl.GetIntegerv(gl.MINOR_VERSION, &minor)
	c.Vendor = gl.GoStr(gl.GetString(gl.VENDOR))
	c.Renderer = gl.GoStr(gl.GetString(gl.RENDERER))
	c.Version = gl.GoStr(gl.GetString(gl.VERSION))
	if err := glrt.Check("query the context's version"); err != nil {
		return err
	}
	if int(major) < o.Major || (int(major) == o.Major && int(minor) < o.Minor) {
		return fmt.Errorf("the context is OpenGL %d.%d (%s), older than %d.%d", major, minor, c.Renderer, o.Major, o.Minor)
	}
	return nil
}
