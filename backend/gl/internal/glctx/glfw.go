package glctx

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/go-gl/gl/v4.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// glfwUsers guards GLFW's process-wide state: Init and Terminate must pair,
// and only one hidden window is made at a time.
var glfwUsers struct {
	sync.Mutex
	n int
}

func makeGLFW(o Options) (c *Context, err error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, errors.New("no display: DISPLAY is not set (start Xvfb, or use an EGL path)")
	}
	closeDisplay, err := holdDisplay()
	if err != nil {
		return nil, err
	}
	// go-gl/glfw panics on errors it does not expect; report them instead.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("GLFW failed: %v", r)
		}
		if err != nil {
			closeDisplay()
		}
	}()
	glfwUsers.Lock()
	defer glfwUsers.Unlock()
	if glfwUsers.n > 0 {
		return nil, errors.New("a GLFW context already exists in this process")
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("glfw.Init: %w", err)
	}
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, o.Major)
	glfw.WindowHint(glfw.ContextVersionMinor, o.Minor)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	w, err := glfw.CreateWindow(16, 16, "gltrain", nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("no OpenGL %d.%d core context from GLFW: %w", o.Major, o.Minor, err)
	}
	w.MakeContextCurrent()
	release := func() {
		glfw.DetachCurrentContext()
		w.Destroy()
		glfw.Terminate()
		closeDisplay()
		glfwUsers.Lock()
		glfwUsers.n--
		glfwUsers.Unlock()
	}
	c = &Context{Path: GLFW, Detail: "GLFW " + glfw.GetVersionString() + ", DISPLAY=" + os.Getenv("DISPLAY")}
	if err := gl.InitWithProcAddrFunc(glfw.GetProcAddress); err != nil {
		w.Destroy()
		glfw.Terminate()
		return nil, fmt.Errorf("loading GL entry points: %w", err)
	}
	if err := checkVersion(c, o); err != nil {
		w.Destroy()
		glfw.Terminate()
		return nil, err
	}
	glfwUsers.n++
	c.release = release
	return c, nil
}
