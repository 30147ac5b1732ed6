package nn_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestHostileMetadata: crafted __metadata__ fields are refused with an
// error naming the file and the field, before they cost memory: an image
// whose C·H·W overflows to the input width, optimiser state without the
// run it belongs to (Resume returned no state, and the train command began
// a fresh optimiser), a step count at the edge of overflow, and fields that
// decoded to hundreds of megabytes (a version 1 "arch" of a million hidden
// layers took 1.6 GB; a "model" of a million {} 0.8 GB).
func TestHostileMetadata(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, issueNet(), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	require.NoError(t, err)
	defer opt.Release()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	require.NoError(t, nn.Save(good, m, &nn.TrainState{Optimizer: opt, Epochs: 1, Steps: 3}))
	f, err := safetensors.ReadFile(good)
	require.NoError(t, err)
	model, optimizer := f.Metadata["model"], f.Metadata["optimizer"]
	legacy, err := safetensors.ReadFile("testdata/legacy-v1-csv.safetensors")
	require.NoError(t, err)

	const hugeH = "6148914691236517206" // 3·hugeH = 2⁶⁴ + 2
	for i, tc := range []struct {
		name   string
		from   *safetensors.File
		key    string
		value  string
		want   string
		resume bool // the error comes from Resume (the optimiser), not ReadInfo
	}{
		{"image overflows", f, "model", strings.Replace(model, `"outputs"`, `"image":{"c":3,"h":`+hugeH+`,"w":1},"outputs"`, 1),
			`__metadata__ "model": image 3x` + hugeH + `x1 for 2 inputs`, false},
		{"optimizer without train", f, "train", "<delete>", `__metadata__ "optimizer": without "train"`, false},
		{"steps near overflow", f, "optimizer", strings.Replace(optimizer, `"steps":[0,`, `"steps":[9223372036854775807,`, 1),
			`__metadata__ "optimizer": step count 9223372036854775807, want 0 to`, true},
		{"train steps near overflow", f, "train", `{"epochs":1,"steps":9223372036854775807}`, `__metadata__ "train": 1 epochs and 9223372036854775807 steps, want at most`, false},
		{"a million layers", f, "model", `{"inputs":2,"outputs":3,"layers":[` + strings.Repeat("{},", 1<<20) + `{}]}`,
			`__metadata__ "model": 1048578 JSON objects, more than the 10000 layers`, false},
		{"class names past the field limit", f, "class_names", `["` + strings.Repeat("a", 5<<20) + `"]`, `__metadata__ "class_names": 5242884 bytes, more than`, false},
		{"a million hidden layers", legacy, "arch", `{"type":"mlp","inputs":3,"hidden":[` + strings.Repeat("1,", 1<<20) + `1],"outputs":3,"activation":"tanh"}`,
			`__metadata__ "arch": 1048577 hidden layers, more than a model may have`, false},
		{"arch past the field limit", legacy, "arch", `{"type":"mlp","hidden":[` + strings.Repeat(" ", 5<<20) + `]}`, `__metadata__ "arch": 5242906 bytes, more than`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := map[string]string{}
			for k, v := range tc.from.Metadata {
				md[k] = v
			}
			if tc.value == "<delete>" {
				delete(md, tc.key)
			} else {
				md[tc.key] = tc.value
			}
			path := filepath.Join(dir, "bad.safetensors")
			require.NoError(t, safetensors.WriteFile(path, tc.from.Tensors, md))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := nn.ReadInfo(path)
			runtime.ReadMemStats(&after)
			if tc.resume {
				require.NoError(t, err, "%d", i)
				_, _, err = nn.Resume(path, b)
			}
			require.Error(t, err, "%d", i)
			assert.Contains(t, err.Error(), path+": not a usable gltrain checkpoint: ", "%d", i)
			assert.Contains(t, err.Error(), tc.want, "%d", i)
			// The header is read whole (up to 5 MB here) and a field decoded
			// only within its bounds: a million hidden sizes take ~70 MB as
			// JSON decodes them, rather than 1.6 GB as layers.
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(128<<20), "%d: bytes allocated", i)
		})
	}
}
