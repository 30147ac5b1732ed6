package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestLayersTrainEveryActivation: every setting of the activation table
// trains from -layers on both backends, saves a checkpoint that loads back
// with the same setting, and both backends print the same final loss (to
// the 4 decimals shown: float32 kernels whose transcendentals differ by a
// few ulp, over 40 steps).
func TestLayersTrainEveryActivation(t *testing.T) {
	gl := glOr(t)
	for _, f := range backend.ActivationSettings() {
		t.Run(f.String(), func(t *testing.T) {
			loss := map[string]string{}
			for _, be := range []string{"cpu", gl} {
				path := filepath.Join(t.TempDir(), "m.safetensors")
				out := mustTrain(t, "-backend="+be, "-epochs=5", "-batch=30", "-plot=", "-layers=16:"+f.String()+",16:tanh", "-save="+path)
				assert.Contains(t, out, "2-16 "+f.String()+"-16 tanh-3")
				_, done, ok := strings.Cut(out, "\ndone")
				require.True(t, ok, out)
				_, l, _ := strings.Cut(done, "(loss ")
				loss[be], _, _ = strings.Cut(l, ")")
				m, err := nn.Load(path, backendtest.Open(t, "cpu"))
				require.NoError(t, err)
				assert.Contains(t, m.String(), f.String())
				m.Release()
			}
			assert.Equal(t, loss["cpu"], loss[gl], "final training loss, cpu and gl")
		})
	}
}
