package glctx

/*
#cgo pkg-config: egl
#include <stdlib.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

// Extension entry points are reached through eglGetProcAddress; Go cannot
// call C function pointers, so these wrappers do.

static const char *client_extensions(void) {
	return eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
}

static EGLint query_devices(EGLDeviceEXT *devices, EGLint max) {
	PFNEGLQUERYDEVICESEXTPROC f = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	EGLint n = 0;
	if (f == NULL || !f(max, devices, &n)) return -1;
	return n;
}

static const char *device_string(EGLDeviceEXT device, EGLint name) {
	PFNEGLQUERYDEVICESTRINGEXTPROC f = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	if (f == NULL) return NULL;
	return f(device, name);
}

static EGLDisplay platform_display(EGLenum platform, void *native) {
	PFNEGLGETPLATFORMDISPLAYEXTPROC f = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (f == NULL) return EGL_NO_DISPLAY;
	return f(platform, native, NULL);
}

static EGLDisplay default_display(void) { return eglGetDisplay(EGL_DEFAULT_DISPLAY); }

static int choose_pbuffer_config(EGLDisplay d, EGLConfig *c) {
	EGLint attrs[] = {
		EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
		EGL_NONE,
	};
	EGLint n = 0;
	return eglChooseConfig(d, attrs, c, 1, &n) && n >= 1;
}

static EGLContext create_context(EGLDisplay d, EGLConfig c, EGLint major, EGLint minor) {
	EGLint attrs[] = {
		EGL_CONTEXT_MAJOR_VERSION, major,
		EGL_CONTEXT_MINOR_VERSION, minor,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_NONE,
	};
	return eglCreateContext(d, c, EGL_NO_CONTEXT, attrs);
}

static EGLSurface create_pbuffer(EGLDisplay d, EGLConfig c) {
	EGLint attrs[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
	return eglCreatePbufferSurface(d, c, attrs);
}

static EGLConfig no_config(void) { return EGL_NO_CONFIG_KHR; }
static EGLContext no_context(void) { return EGL_NO_CONTEXT; }
static EGLSurface no_surface(void) { return EGL_NO_SURFACE; }
static EGLDisplay no_display(void) { return EGL_NO_DISPLAY; }
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// eglError names the last EGL error of the calling thread.
func eglError() string {
	code := C.eglGetError()
	names := map[C.EGLint]string{
		C.EGL_SUCCESS: "EGL_SUCCESS", C.EGL_NOT_INITIALIZED: "EGL_NOT_INITIALIZED",
		C.EGL_BAD_ACCESS: "EGL_BAD_ACCESS", C.EGL_BAD_ALLOC: "EGL_BAD_ALLOC",
		C.EGL_BAD_ATTRIBUTE: "EGL_BAD_ATTRIBUTE", C.EGL_BAD_CONTEXT: "EGL_BAD_CONTEXT",
		C.EGL_BAD_CONFIG: "EGL_BAD_CONFIG", C.EGL_BAD_CURRENT_SURFACE: "EGL_BAD_CURRENT_SURFACE",
		C.EGL_BAD_DISPLAY: "EGL_BAD_DISPLAY", C.EGL_BAD_SURFACE: "EGL_BAD_SURFACE",
		C.EGL_BAD_MATCH: "EGL_BAD_MATCH", C.EGL_BAD_PARAMETER: "EGL_BAD_PARAMETER",
		C.EGL_BAD_NATIVE_PIXMAP: "EGL_BAD_NATIVE_PIXMAP", C.EGL_BAD_NATIVE_WINDOW: "EGL_BAD_NATIVE_WINDOW",
		C.EGL_CONTEXT_LOST: "EGL_CONTEXT_LOST",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("EGL error 0x%x", int(code))
}

func hasExtension(list, name string) bool {
	for _, e := range strings.Fields(list) {
		if e == name {
			return true
		}
	}
	return false
}

// clientExtensions lists the EGL client extensions, or "" when the library
// supports none (EGL 1.4 without EGL_EXT_client_extensions).
func clientExtensions() string {
	if s := C.client_extensions(); s != nil {
		return C.GoString(s)
	}
	return ""
}

// eglDevices enumerates the EGL devices with EGL_EXT_device_enumeration.
func eglDevices() ([]C.EGLDeviceEXT, error) {
	var devs [16]C.EGLDeviceEXT
	n := C.query_devices(&devs[0], 16)
	if n < 0 {
		return nil, fmt.Errorf("eglQueryDevicesEXT failed: %s", eglError())
	}
	return devs[:n], nil
}

// deviceDescription says what an EGL device is: its extensions name the
// NVIDIA, DRM or Mesa software devices.
func deviceDescription(d C.EGLDeviceEXT) string {
	if s := C.device_string(d, C.EGL_EXTENSIONS); s != nil {
		return C.GoString(s)
	}
	return ""
}

type eglDisplay struct {
	dpy     C.EGLDisplay
	ctx     C.EGLContext
	surface C.EGLSurface
}

// makeCurrent initialises dpy, creates an OpenGL major.minor core context on
// it and makes it current on the calling thread, with no surface when the
// display allows (EGL_KHR_surfaceless_context) and a 1×1 pbuffer otherwise.
func makeCurrent(dpy C.EGLDisplay, major, minor int) (*eglDisplay, error) {
	if dpy == C.no_display() {
		return nil, fmt.Errorf("no display: %s", eglError())
	}
	var maj, mnr C.EGLint
	if C.eglInitialize(dpy, &maj, &mnr) == C.EGL_FALSE {
		return nil, fmt.Errorf("eglInitialize: %s", eglError())
	}
	displays.Lock()
	displays.users[dpy]++
	displays.Unlock()
	e := &eglDisplay{dpy: dpy, ctx: C.no_context(), surface: C.no_surface()}
	fail := func(format string, args ...any) (*eglDisplay, error) {
		e.release()
		return nil, fmt.Errorf(format, args...)
	}
	if C.eglBindAPI(C.EGL_OPENGL_API) == C.EGL_FALSE {
		return fail("EGL %d.%d cannot bind the desktop OpenGL API: %s", maj, mnr, eglError())
	}
	exts := C.GoString(C.eglQueryString(dpy, C.EGL_EXTENSIONS))
	config, pbuffer := C.no_config(), false
	if !hasExtension(exts, "EGL_KHR_no_config_context") || !hasExtension(exts, "EGL_KHR_surfaceless_context") {
		if C.choose_pbuffer_config(dpy, &config) == 0 {
			return fail("no EGL config with OpenGL and pbuffer support: %s", eglError())
		}
		pbuffer = true
	}
	e.ctx = C.create_context(dpy, config, C.EGLint(major), C.EGLint(minor))
	if e.ctx == C.no_context() {
		return fail("no OpenGL %d.%d core context (eglCreateContext: %s)", major, minor, eglError())
	}
	if pbuffer {
		if e.surface = C.create_pbuffer(dpy, config); e.surface == C.no_surface() {
			return fail("eglCreatePbufferSurface: %s", eglError())
		}
	}
	if C.eglMakeCurrent(dpy, e.surface, e.surface, e.ctx) == C.EGL_FALSE {
		return fail("eglMakeCurrent: %s", eglError())
	}
	return e, nil
}

// displays counts the contexts on each EGL display. Every backend on a
// device gets the same EGLDisplay, and eglTerminate is not reference
// counted: terminating it while another backend's context lives on it would
// pull that context's resources away.
var displays = struct {
	sync.Mutex
	users map[C.EGLDisplay]int
}{users: map[C.EGLDisplay]int{}}

// release unbinds and destroys the context and surface, and terminates the
// display when no other context uses it.
func (e *eglDisplay) release() {
	C.eglMakeCurrent(e.dpy, C.no_surface(), C.no_surface(), C.no_context())
	if e.surface != C.no_surface() {
		C.eglDestroySurface(e.dpy, e.surface)
	}
	if e.ctx != C.no_context() {
		C.eglDestroyContext(e.dpy, e.ctx)
	}
	displays.Lock()
	defer displays.Unlock()
	if displays.users[e.dpy]--; displays.users[e.dpy] <= 0 {
		delete(displays.users, e.dpy)
		C.eglTerminate(e.dpy)
	}
}

// eglProcAddress resolves a GL entry point for go-gl.
func eglProcAddress(name string) unsafe.Pointer {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return unsafe.Pointer(C.eglGetProcAddress(cname))
}

func platformDisplay(platform C.EGLenum, native unsafe.Pointer) C.EGLDisplay {
	return C.platform_display(platform, native)
}

func defaultDisplay() C.EGLDisplay { return C.default_display() }
