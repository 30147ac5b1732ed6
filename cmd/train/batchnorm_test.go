package main

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestParseBatchNormItem: batchnorm and bn are one item, which takes no
// parameter.
func TestParseBatchNormItem(t *testing.T) {
	for i, spec := range []string{"batchnorm", "bn", "BatchNorm"} {
		items, err := parseLayers(spec, backend.Activation{Kind: backend.ReLU})
		require.NoError(t, err, "%d %s", i, spec)
		assert.Equal(t, []layerItem{{kind: "batchnorm"}}, items, "%d %s", i, spec)
		assert.Equal(t, "batchnorm", formatLayers(items), "%d %s", i, spec)
	}
}

// TestBatchNormLayers: -layers builds a conv-BN-ReLU net with a
// BatchNorm1d after its dense layer, trains it, and a run stopped after one
// epoch and resumed to two saves a checkpoint whose every tensor (weights,
// running statistics, num_batches_tracked, optimiser state) has the bits of
// the uninterrupted run's; -load evaluates it with no flags; a BatchNorm
// its batches cannot train exits 2 saying why.
func TestBatchNormLayers(t *testing.T) {
	path := imagesCSV(t, 90)
	dir := t.TempDir()
	full, half := filepath.Join(dir, "full.safetensors"), filepath.Join(dir, "half.safetensors")
	args := []string{"-backend=cpu", "-plot=", "-data=" + path, "-input-shape=1x6x6", "-batch=16", "-lr=0.01",
		"-layers=conv:4:3,bn,relu,maxpool:2,flatten,8:relu,batchnorm"}
	stdout := mustTrain(t, append(args, "-epochs=2", "-save="+full)...)
	assert.Contains(t, stdout, "model    36-conv 4@3×3-batchnorm2d relu-maxpool 2×2-flatten-8 relu-batchnorm1d-3")
	mustTrain(t, append(args, "-epochs=1", "-save="+half)...)
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+half, "-epochs=2")
	a, err := safetensors.ReadFile(full)
	require.NoError(t, err)
	b, err := safetensors.ReadFile(half)
	require.NoError(t, err)
	require.Equal(t, len(a.Tensors), len(b.Tensors))
	names := map[string]bool{}
	for i, ta := range a.Tensors {
		tb := b.Tensors[i]
		names[ta.Name] = true
		require.Equal(t, ta.Name, tb.Name, "%d", i)
		require.Equal(t, ta.Int64, tb.Int64, "%s", ta.Name)
		for j := range ta.Data {
			if math.Float32bits(ta.Data[j]) != math.Float32bits(tb.Data[j]) {
				t.Fatalf("%s[%d]: resumed %g, uninterrupted %g", ta.Name, j, tb.Data[j], ta.Data[j])
			}
		}
	}
	for _, n := range []string{"1.running_mean", "1.running_var", "1.num_batches_tracked", "7.running_var", "7.num_batches_tracked"} {
		assert.True(t, names[n], "the checkpoint lacks %s", n)
	}
	if nbt, ok := a.Lookup("1.num_batches_tracked"); assert.True(t, ok) {
		assert.True(t, nbt.Int64)
		assert.Greater(t, nbt.Data[0], float32(2), "two epochs of batches")
	}
	code, out, errOut := runTrain(t, "-backend=cpu", "-data="+path, "-load="+full, "-eval")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "eval     "+path+": accuracy")

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-layers=bn:2"}, `item 1 "bn:2": batchnorm takes no parameter`},
		{[]string{"-layers=8:relu,bn", "-batch=1"}, "-layers batchnorm after flat features needs batches of at least 2 rows (its statistics are over the batch), and -batch is 1"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-data=" + path}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}

// TestCheckBatchNorm: a BatchNorm1d refuses batches of one row, -batch=1
// or a last batch of one, and every BatchNorm refuses more values a
// channel than backend.MaxBatchNormCount; BatchNorm2d takes a last batch of
// one image (its pixels are several values a channel), inside a residual
// block too.
func TestCheckBatchNorm(t *testing.T) {
	bn1 := nn.LayerSpec{Type: "batchnorm", In: 8}
	bn2 := nn.LayerSpec{Type: "batchnorm", C: 2, H: 3, W: 3}
	res := func(l nn.LayerSpec) nn.LayerSpec {
		return nn.LayerSpec{Type: "residual", Layers: []nn.LayerSpec{{Type: "sequential", Layers: []nn.LayerSpec{l}}}}
	}
	for i, tc := range []struct {
		layer        nn.LayerSpec
		batch, train int
		want         string
	}{
		{bn1, 16, 64, ""},
		{bn1, 1, 64, "-batch is 1"},
		{bn1, 16, 65, "the 65 training rows leave a last batch of 1 at -batch=16"},
		{res(bn1), 16, 65, "a last batch of 1"},
		{bn2, 16, 65, ""},
		{bn2, 1 << 22, 1 << 23, "at most 16777216"},
	} {
		err := checkBatchNorm(nn.Spec{Layers: []nn.LayerSpec{tc.layer}}, tc.batch, tc.train)
		if tc.want == "" {
			assert.NoError(t, err, "%d", i)
		} else if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
}
