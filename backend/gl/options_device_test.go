package gl_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/gl"
)

// TestDeviceOptionCounts: the registry option device=N and Options.Device
// count EGL's devices from 0 alike, as the README says; no context is made.
func TestDeviceOptionCounts(t *testing.T) {
	for n, want := range []gl.Options{{Context: "egl-device", Device: new(0)}, {Context: "egl-device", Device: new(1)}} {
		o, err := gl.ParseOptions("device=" + string(rune('0'+n)))
		require.NoError(t, err)
		assert.Equal(t, want, o, "device=%d", n)
	}
	o, err := gl.ParseOptions("glfw")
	require.NoError(t, err)
	assert.Nil(t, o.Device, "no device=N: any device")
}

// TestDeviceIndexReachesEGL: the same index, given as device=N or as
// Options.Device, asks EGL for the same device (this machine has fewer
// than 15, so both errors name device 15), and a negative index is refused
// before any context is tried.
func TestDeviceIndexReachesEGL(t *testing.T) {
	for i, tc := range []struct {
		name string
		open func() error
		want string
	}{
		{"registry", func() error { _, err := backend.Open("gl:device=15"); return err }, "no EGL device 15 "},
		{"Options", func() error { _, err := gl.New(gl.Options{Context: "egl-device", Device: new(15)}); return err }, "no EGL device 15 "},
		{"negative", func() error { _, err := gl.New(gl.Options{Device: new(-1)}); return err }, "Options.Device -1"},
	} {
		err := tc.open()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %s: error %v, want one mentioning %q", i, tc.name, err, tc.want)
		}
	}
}
