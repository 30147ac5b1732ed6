package gl_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/gl"
)

// TestDeviceOptionCounts: the registry option device=N counts EGL's devices
// from 0, Options.Device from 1 (its zero value takes the first that gives
// a context), as the README says; no context is made.
func TestDeviceOptionCounts(t *testing.T) {
	for n, want := range []gl.Options{{Context: "egl-device", Device: 1}, {Context: "egl-device", Device: 2}} {
		o, err := gl.ParseOptions("device=" + string(rune('0'+n)))
		require.NoError(t, err)
		assert.Equal(t, want, o, "device=%d", n)
	}
}
