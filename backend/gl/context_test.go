package gl_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
	"gltrain/backend/gl"
)

// TestContextReport prints (with -v) which renderer and context path the
// shared backend got, and checks the version is at least 4.3.
func TestContextReport(t *testing.T) {
	b := backendtest.Open(t, "gl")
	info := b.(backend.Describer).Device()
	t.Logf("GL_VENDOR:   %s", info.Vendor)
	t.Logf("GL_RENDERER: %s", info.Renderer)
	t.Logf("GL_VERSION:  %s", info.Version)
	t.Logf("context:     %s", info.Context)
	if info.Renderer == "" || info.Context == "" {
		t.Errorf("device info incomplete: %+v", info)
	}
	var major, minor int
	if _, err := fmtSscan(info.Version, &major, &minor); err != nil || major*10+minor < 43 {
		t.Errorf("GL_VERSION %q: want 4.3 or later", info.Version)
	}
}

// TestContextPaths opens a backend through each path and checks that it
// computes what the CPU computes. egl-device (auto's first choice, and how
// CI's Mesa and NVIDIA GPUs are reached) must work when GL is required; glfw
// must work whenever a display is set (make test runs under Xvfb); the other
// EGL paths depend on the driver (NVIDIA has no Mesa surfaceless platform),
// so their failure is logged with its reason.
func TestContextPaths(t *testing.T) {
	required := map[string]bool{"egl-device": backendtest.RequireGL(), "glfw": os.Getenv("DISPLAY") != ""}
	opened := 0
	for _, path := range []string{"egl-device", "egl-surfaceless", "egl-default", "glfw"} {
		t.Run(path, func(t *testing.T) {
			b, err := gl.New(gl.Options{Context: path})
			if err != nil {
				if required[path] {
					t.Fatalf("path %s is required here: %v", path, err)
				}
				t.Logf("path %s unavailable on this machine: %v", path, err)
				return
			}
			defer b.Close()
			opened++
			if got := b.Device().Context; !strings.HasPrefix(got, path+":") {
				t.Errorf("context %q, want path %s", got, path)
			}
			t.Logf("%s: %s, %s", path, b.Device().Renderer, b.Device().Version)
			checkSmallProduct(t, b)
		})
	}
	if opened == 0 {
		t.Skip("no GL context on this machine")
	}
}

// checkSmallProduct runs relu(x·W) on b and on the CPU and compares.
func checkSmallProduct(t *testing.T, b backend.Backend) {
	t.Helper()
	c := cpu.New()
	run := func(be backend.Backend) []float32 {
		x, _ := backend.FromData(be, backend.Shape{Rows: 5, Cols: 7}, backend.NormalData(35, 1, 0, 1))
		w, _ := backend.FromData(be, backend.Shape{Rows: 7, Cols: 3}, backend.NormalData(21, 2, 0, 1))
		y, _ := be.New(backend.Shape{Rows: 5, Cols: 3})
		defer func() { be.Release(x); be.Release(w); be.Release(y) }()
		if err := be.MatMul(false, false, 1, x, w, 0, y); err != nil {
			t.Fatal(err)
		}
		if err := be.ActivationForward(backend.Activation{Kind: backend.ReLU}, y, y); err != nil {
			t.Fatal(err)
		}
		out, err := backend.ToHost(be, y)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := run(c), run(b)
	// 7-term float32 dot products in different orders: a few ulp.
	if msg := backendtest.Diff(backend.Shape{Rows: 5, Cols: 3}, got, backendtest.To64(want), backendtest.Tol{ATol: 1e-6, RTol: 1e-5}); msg != "" {
		t.Error(msg)
	}
}

// TestImpossibleContext asks for OpenGL 9.9: every path must fail, and the
// error must list each path with its reason.
func TestImpossibleContext(t *testing.T) {
	_, err := gl.New(gl.Options{Major: 9, Minor: 9})
	var ce *gl.ContextError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *gl.ContextError", err, err)
	}
	if len(ce.Attempts) != 4 {
		t.Errorf("%d attempts, want one per path (4): %v", len(ce.Attempts), err)
	}
	msg := err.Error()
	for _, want := range []string{"9.9", "egl-device:", "egl-surfaceless:", "egl-default:", "glfw:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	for _, a := range ce.Attempts {
		if a.Err == nil || a.Err.Error() == "" {
			t.Errorf("path %s failed without a reason", a.Path)
		}
	}
}

// TestContextErrors covers forced paths that cannot work and bad options.
func TestContextErrors(t *testing.T) {
	for i, tc := range []struct {
		name string
		open func() error
		want string
	}{
		{"glfw without a display", func() error {
			t.Setenv("DISPLAY", "")
			_, err := gl.New(gl.Options{Context: "glfw"})
			return err
		}, "DISPLAY is not set"},
		{"missing EGL device", func() error {
			_, err := gl.New(gl.Options{Context: "egl-device", Device: new(99)})
			return err
		}, "no EGL device 99"},
		{"unknown path", func() error { _, err := backend.Open("gl:egl-nope"); return err }, "unknown GL context path \"egl-nope\""},
		{"bad device option", func() error { _, err := backend.Open("gl:device=x"); return err }, "device=N"},
	} {
		err := tc.open()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %s: error %v, want one mentioning %q", i, tc.name, err, tc.want)
		}
	}
}
