package glctx

// #include <EGL/egl.h>
// #include <EGL/eglext.h>
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// finishEGL initialises go-gl on the current EGL context and checks its
// version; on failure it releases the display.
func finishEGL(e *eglDisplay, path Path, detail string, o Options) (*Context, error) {
	c := &Context{Path: path, Detail: detail, release: e.release}
	if err := gl.InitWithProcAddrFunc(eglProcAddress); err != nil {
		e.release()
		return nil, fmt.Errorf("loading GL entry points: %w", err)
	}
	if err := checkVersion(c, o); err != nil {
		e.release()
		return nil, err
	}
	return c, nil
}

func makeEGLDevice(o Options) (*Context, error) {
	exts := clientExtensions()
	for _, need := range []string{"EGL_EXT_device_enumeration", "EGL_EXT_platform_device"} {
		if !hasExtension(exts, need) && !(need == "EGL_EXT_device_enumeration" && hasExtension(exts, "EGL_EXT_device_base")) {
			return nil, fmt.Errorf("libEGL lacks %s", need)
		}
	}
	devs, err := eglDevices()
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		return nil, errors.New("no EGL device")
	}
	if o.Device >= len(devs) {
		return nil, fmt.Errorf("no EGL device %d (found %d)", o.Device, len(devs))
	}
	var reasons []string
	for i, d := range devs {
		if o.Device >= 0 && i != o.Device {
			continue
		}
		detail := fmt.Sprintf("device %d of %d (%s)", i, len(devs), deviceDescription(d))
		e, err := makeCurrent(platformDisplay(C.EGL_PLATFORM_DEVICE_EXT, unsafe.Pointer(d)), o.Major, o.Minor)
		if err == nil {
			c, err := finishEGL(e, EGLDevice, detail, o)
			if err == nil {
				return c, nil
			}
			reasons = append(reasons, fmt.Sprintf("%s: %v", detail, err))
			continue
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", detail, err))
	}
	return nil, errors.New(strings.Join(reasons, "; "))
}

func makeEGLSurfaceless(o Options) (*Context, error) {
	if !hasExtension(clientExtensions(), "EGL_MESA_platform_surfaceless") {
		return nil, errors.New("libEGL lacks EGL_MESA_platform_surfaceless")
	}
	e, err := makeCurrent(platformDisplay(C.EGL_PLATFORM_SURFACELESS_MESA, nil), o.Major, o.Minor)
	if err != nil {
		return nil, err
	}
	return finishEGL(e, EGLSurfaceless, "Mesa surfaceless platform", o)
}

func makeEGLDefault(o Options) (*Context, error) {
	e, err := makeCurrent(defaultDisplay(), o.Major, o.Minor)
	if err != nil {
		return nil, err
	}
	return finishEGL(e, EGLDefault, "EGL default display", o)
}
