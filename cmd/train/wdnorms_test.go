package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// TestWdNormsFlag: -wd-norms=false trains with the weight decay on the
// matrices only (the checkpoint's optimiser holds nn.DecayMatrices' mask),
// shows in the header line, is recorded, and -resume keeps it, refusing
// another; the default decays every parameter (no mask) and records true.
func TestWdNormsFlag(t *testing.T) {
	dir := t.TempDir()
	path, plain := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "plain.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-opt=adamw", "-wd=0.1", "-wd-norms=false", "-save="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-wd=0.1 -wd-norms=false -schedule=")
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-opt=adamw", "-wd=0.1", "-save="+plain)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stdout, "-wd-norms")

	b := cpu.New()
	defer b.Close()
	for _, tc := range []struct {
		path, meta string
		masked     bool
	}{{path, "false", true}, {plain, "true", false}} {
		info, err := nn.ReadInfo(tc.path)
		require.NoError(t, err)
		assert.Equal(t, tc.meta, info.Meta["wd-norms"])
		m, st, err := nn.Resume(tc.path, b)
		require.NoError(t, err)
		adam, ok := st.Optimizer.(*nn.Adam)
		require.True(t, ok, "%T", st.Optimizer)
		if tc.masked {
			assert.Equal(t, nn.DecayMatrices(m), adam.Decays())
			assert.Contains(t, adam.Decays(), false)
		} else {
			assert.Nil(t, adam.Decays())
		}
		require.NoError(t, st.Optimizer.Release())
		require.NoError(t, m.Release())
	}

	code, _, stderr = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-resume="+path, "-wd-norms=true")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `-wd-norms="true" disagrees with the run`)
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-resume="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-wd-norms=false")
}

// TestOlderCheckpointsDecayedEverything: a checkpoint saved before
// -wd-norms was recorded resumes decaying every parameter, as it trained.
func TestOlderCheckpointsDecayedEverything(t *testing.T) {
	c := config{given: map[string]bool{"epochs": true}, resume: "old.safetensors", epochs: 3}
	h := map[string]string{"loss": "softmax", "opt": "adamw", "lr": "0.01", "wd": "0.1", "schedule": "constant",
		"batch": "16", "epochs": "2", "seed": "1", "val": "0.2"}
	require.NoError(t, c.adoptRun(checkpoint{Optimizer: true, Epochs: 2, Data: "spiral", Hyper: h}))
	assert.True(t, c.wdNorms)
}

// TestWdNormsWithoutWdWarns: -wd-norms without -wd changes nothing, and
// says so; with -wd it does not warn.
func TestWdNormsWithoutWdWarns(t *testing.T) {
	code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-wd-norms=false")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "warning: -wd-norms has no effect without -wd")
	code, _, stderr = runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-wd=0.01", "-wd-norms=false")
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "-wd-norms has no effect")
}
