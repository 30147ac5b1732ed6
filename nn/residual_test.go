package nn_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// residualNet is a model with two residual blocks, one of a Sequential and
// one of a lone Linear, with a Dropout inside (the identity in evaluation).
func residualNet(t *testing.T, b backend.Backend) *nn.Model {
	t.Helper()
	m, err := nn.NewModel(b, nn.Seq(
		&nn.Linear{Out: 6}, nn.Act(nn.Tanh),
		&nn.Residual{F: nn.Seq(&nn.Linear{Out: 5}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.1}, &nn.Linear{Out: 6})},
		&nn.Residual{F: &nn.Linear{Out: 6}},
		nn.Act(nn.GELU), &nn.Linear{Out: 3}), 4, 9)
	require.NoError(t, err)
	return m
}

// innerLinearWeights are the weights of the Linear layers inside m's
// residual blocks (layerGrads transposes only the top-level ones).
func innerLinearWeights(m *nn.Model) map[*autograd.Value]bool {
	ws := map[*autograd.Value]bool{}
	var walk func(l nn.Module, inside bool)
	walk = func(l nn.Module, inside bool) {
		switch l := l.(type) {
		case *nn.Sequential:
			for _, x := range l.Layers {
				walk(x, inside)
			}
		case *nn.Residual:
			walk(l.F, true)
		case *nn.Linear:
			if inside {
				ws[l.Weight] = true
			}
		}
	}
	walk(m.Net, false)
	return ws
}

// TestResidualNames: the blocks' parameters are named as PyTorch names those
// of a module holding its submodule as attribute f.
func TestResidualNames(t *testing.T) {
	m := residualNet(t, backendtest.Open(t, "cpu"))
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"0.weight", "0.bias", "2.f.0.weight", "2.f.0.bias", "2.f.3.weight", "2.f.3.bias",
		"3.f.weight", "3.f.bias", "5.weight", "5.bias"}, names)
	assert.Equal(t, "4-6 tanh-res(5 relu-dropout 0.1-6)-res(6) gelu-3", m.String())
	assert.Equal(t, 3, m.Outputs)
}

// TestPyTorchResidual: on every backend, a model with two residual blocks
// saves a checkpoint that PyTorch (torch_layers.py, its Residual module)
// loads with strict=True, and PyTorch's float64 outputs and gradients of
// the input and every parameter agree with gltrain's within 1e-5 relative
// (torch_layers.py's rule, as TestPyTorchLayers); torch_load.py gives the
// same logits within 1e-5; nn.Load rebuilds the model, with the same
// outputs bit for bit.
func TestPyTorchResidual(t *testing.T) {
	python := backendtest.PyTorch(t)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m := residualNet(t, b)
		defer m.Release()
		const rows = 5
		x, dy := sines(rows*m.Inputs, 2), sines(rows*m.Outputs+3, 1)[3:]
		c := layerGrads(t, m, x, dy)
		for p := range innerLinearWeights(m) {
			c.Grads[p.Name()] = transpose(c.Grads[p.Name()], p.Shape())
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "m.safetensors")
		require.NoError(t, nn.Save(path, m, nil))
		js, err := json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "case.json"), js, 0o644))
		out, err := exec.Command(python, "testdata/torch_layers.py", path, filepath.Join(dir, "case.json")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("%s", out)
		path = torchCompare(t, python, m, x, "1e-5")
		l, err := nn.Load(path, b)
		require.NoError(t, err)
		defer l.Release()
		assert.Equal(t, m.String(), l.String())
		assert.Equal(t, c.Y, layerGrads(t, l, x, dy).Y, "the loaded model's outputs")
	})
}

// TestResidualTrains: on every backend, an MLP with a residual block learns
// the spiral (100 points × 3 classes): full-batch Adam at lr 0.05 for 150
// steps reaches 90% training accuracy (a 2-layer net of 100 ReLU units
// passes 97% in about 50 steps at lr 0.1; this net is smaller).
func TestResidualTrains(t *testing.T) {
	set, err := data.Spiral(100, 3, 1)
	require.NoError(t, err)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
			&nn.Residual{F: nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Linear{Out: 32})}, nn.Act(nn.ReLU),
			&nn.Linear{Out: 3}), 2, 7)
		require.NoError(t, err)
		defer m.Release()
		opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
		require.NoError(t, err)
		defer opt.Release()
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 150, BatchSize: set.Len(), Train: set, LogEvery: 1000}
		_, err = tr.Fit(t.Context())
		require.NoError(t, err)
		ds, err := nn.Upload(b, set)
		require.NoError(t, err)
		defer ds.Release()
		_, acc, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 0)
		require.NoError(t, err)
		t.Logf("training accuracy %.3f", acc)
		assert.GreaterOrEqual(t, acc, 0.9, "training accuracy")
	})
}

// TestResidualErrors: a block whose F changes the width, or has none, is
// refused at NewModel, and a checkpoint spec of such a block at Build.
func TestResidualErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		net  nn.Module
		want string
	}{
		{nn.Seq(&nn.Residual{F: &nn.Linear{Out: 4}}), "layer 0: residual block: F gives 4 values from 5"},
		{nn.Seq(&nn.Linear{Out: 2}, &nn.Residual{F: nn.Seq(&nn.Linear{Out: 2}, &nn.Linear{Out: 3})}), "layer 1: residual block: F gives 3 values from 2"},
		{nn.Seq(&nn.Residual{}), "layer 0: residual block without F"},
	} {
		m, err := nn.NewModel(b, tc.net, 5, 1)
		if m != nil {
			m.Release()
		}
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
	for i, tc := range []struct {
		layers []nn.LayerSpec
		want   string
	}{
		{[]nn.LayerSpec{{Type: "residual", Layers: []nn.LayerSpec{{Type: "linear", In: 5, Out: 4}}}}, "layer 0 (residual): f gives 4 values from 5"},
		{[]nn.LayerSpec{{Type: "residual"}}, "layer 0 (residual): 0 inner layers, want 1 (f)"},
		{[]nn.LayerSpec{{Type: "residual", Layers: []nn.LayerSpec{{Type: "linear", In: 4, Out: 5}}}}, "layer 0.f (\"linear\"): 4→5 after a layer of width 5"},
	} {
		err := nn.Spec{Inputs: 5, Outputs: 5, Layers: tc.layers}.Check()
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
}
