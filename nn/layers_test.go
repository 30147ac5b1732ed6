package nn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// layerNets are models with every layer of layers.go: LayerNorm on flat
// features, and AvgPool2D, GlobalAvgPool and a LayerNorm after them on
// images.
func layerNets(b backend.Backend, t *testing.T) map[string]*nn.Model {
	flat, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 12}, &nn.LayerNorm{}, nn.Act(nn.Tanh), &nn.Linear{Out: 3}), 5, 3)
	require.NoError(t, err)
	img, err := nn.NewImageModel(b, nn.Seq(
		&nn.Conv2D{Out: 3, KH: 3}, &nn.AvgPool2D{KH: 2}, nn.Act(nn.ReLU),
		&nn.Conv2D{Out: 4, KH: 2, KW: 1}, &nn.AvgPool2D{KH: 2, KW: 1, Stride: 1}, &nn.GlobalAvgPool{},
		&nn.LayerNorm{}, &nn.Linear{Out: 2}), nn.Image{C: 2, H: 9, W: 8}, 4)
	require.NoError(t, err)
	emb, err := nn.NewModel(b, nn.Seq(&nn.Embedding{Vocab: 11, Dim: 6}, &nn.LayerNorm{}, &nn.Linear{Out: 3}), 1, 5)
	require.NoError(t, err)
	bn1, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 7}, &nn.BatchNorm{}, nn.Act(nn.Tanh), &nn.Linear{Out: 3}), 5, 6)
	require.NoError(t, err)
	bn2, err := nn.NewImageModel(b, nn.Seq(
		&nn.Conv2D{Out: 3, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		nn.Flatten{}, &nn.Linear{Out: 2}), nn.Image{C: 2, H: 7, W: 6}, 7)
	require.NoError(t, err)
	return map[string]*nn.Model{"flat": flat, "images": img, "embedding": emb, "batchnorm1d": bn1, "batchnorm2d": bn2}
}

// perturb draws every LayerNorm's and BatchNorm's weight and bias, which
// start at 1 and 0, and BatchNorm's running statistics and count, so that
// the comparison sees them.
func perturb(t *testing.T, m *nn.Model) {
	for i, l := range m.Net.(*nn.Sequential).Layers {
		if ln, ok := l.(*nn.LayerNorm); ok {
			require.NoError(t, m.Backend().Upload(ln.Weight.Tensor(), sinesAt(ln.N, 1, float64(i))))
			require.NoError(t, m.Backend().Upload(ln.Bias.Tensor(), sinesAt(ln.N, 1, float64(i+5))))
		}
		if bn, ok := l.(*nn.BatchNorm); ok {
			for j, t2 := range []backend.Tensor{bn.Weight.Tensor(), bn.Bias.Tensor(), bn.RunningMean, bn.RunningVar} {
				v := sinesAt(bn.C, 1, float64(i+3*j))
				for k := range v {
					v[k] += float32(j / 3) // a variance of at least 1: one near 0 would scale float32's rounding by 1/√eps
				}
				require.NoError(t, m.Backend().Upload(t2, v))
			}
			bn.NumBatchesTracked = 41
		}
	}
}

// linearWeight reports whether p is a Linear's weight in m: held in×out,
// PyTorch's out×in.
func linearWeight(m *nn.Model, p *autograd.Value) bool {
	for _, l := range m.Net.(*nn.Sequential).Layers {
		if lin, ok := l.(*nn.Linear); ok && lin.Weight == p {
			return true
		}
	}
	return false
}

// sinesAt is n values 0.5 + a·sin(i + phase)/2.
func sinesAt(n int, a, phase float64) []float32 {
	x := sines(n+int(phase), a)[int(phase):]
	for i := range x {
		x[i] = 0.5 + x[i]/2
	}
	return x
}

// TestPyTorchLayers: on every backend, models with LayerNorm, AvgPool2D and
// GlobalAvgPool save checkpoints that PyTorch (torch_layers.py) loads with
// strict=True, and PyTorch's outputs and gradients with respect to the
// input and every parameter, of the loss Σ y·dy, computed in float64,
// agree with gltrain's within 1e-5 relative (1e-5 of the tensor's largest
// element for elements that cancel to near zero: float32 sums err
// relative to their terms); and nn.Load rebuilds the models. The models
// with BatchNorm run in evaluation mode (the running statistics) and then
// in training mode (the batch's), where the running statistics and count
// after the pass are compared too.
func TestPyTorchLayers(t *testing.T) {
	python := backendtest.PyTorch(t)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for name, m := range layerNets(b, t) {
			t.Run(name, func(t *testing.T) {
				defer m.Release()
				perturb(t, m)
				const rows = 4
				x, dy := sines(rows*m.Inputs, 2), sines(rows*m.Outputs+3, 1)[3:]
				if m.Inputs == 1 { // ids, 3 repeated
					x = []float32{3, 10, 3, 3}
				}
				dir := t.TempDir()
				path := filepath.Join(dir, "m.safetensors")
				require.NoError(t, nn.Save(path, m, nil)) // before a training pass changes the running statistics
				modes := []bool{false}
				if strings.HasPrefix(name, "batchnorm") {
					modes = append(modes, true)
				}
				args := []string{"testdata/torch_layers.py", path}
				for _, train := range modes { // one run of PyTorch for every case: its start takes seconds
					js, err := json.Marshal(layerGradsMode(t, m, x, dy, train))
					require.NoError(t, err)
					args = append(args, filepath.Join(dir, fmt.Sprintf("case-train=%v.json", train)))
					require.NoError(t, os.WriteFile(args[len(args)-1], js, 0o644))
				}
				out, err := exec.Command(python, args...).CombinedOutput()
				require.NoError(t, err, "%s", out)
				t.Logf("%s", out)
				l, err := nn.Load(path, b)
				require.NoError(t, err)
				defer l.Release()
				assert.Equal(t, m.String(), l.String())
			})
		}
	})
}

// layerCase is what torch_layers.py compares.
type layerCase struct {
	X, DY, Y, DX []float32
	Grads        map[string][]float32
	Train        bool
	Buffers      map[string][]float32 // in training: the state after the pass that is not a parameter's
}

// MarshalJSON writes the keys torch_layers.py reads.
func (c layerCase) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"x": c.X, "dy": c.DY, "y": c.Y, "dx": c.DX, "grads": c.Grads, "train": c.Train, "buffers": c.Buffers})
}

// layerGrads runs m on x in evaluation mode and backpropagates Σ y·dy.
func layerGrads(t *testing.T, m *nn.Model, x, dy []float32) layerCase {
	return layerGradsMode(t, m, x, dy, false)
}

// layerGradsMode is layerGrads in training mode or in evaluation mode.
func layerGradsMode(t *testing.T, m *nn.Model, x, dy []float32, train bool) layerCase {
	b := m.Backend()
	m.SetTraining(train)
	autograd.ZeroGrad(m.Parameters()...) // a parameter's gradient sums every pass since
	rows := len(x) / m.Inputs
	xt, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: m.Inputs}, x)
	require.NoError(t, err)
	defer b.Release(xt)
	g := autograd.NewGraph(b)
	defer g.Reset()
	xv := g.Leaf(xt, true)
	y := m.Forward(g, xv)
	require.NoError(t, g.Backward(g.Sum(g.Mul(y, g.Constant(y.Shape(), dy)))))
	c := layerCase{X: x, DY: dy, Grads: map[string][]float32{}}
	c.Y, err = backend.ToHost(b, y.Tensor())
	require.NoError(t, err)
	if xv.Grad() != nil { // ids take no gradient
		c.DX, err = backend.ToHost(b, xv.Grad())
		require.NoError(t, err)
	}
	for _, p := range m.Parameters() {
		gr, err := backend.ToHost(b, p.Grad())
		require.NoError(t, err)
		if linearWeight(m, p) {
			gr = transpose(gr, p.Shape())
		}
		c.Grads[p.Name()] = gr
	}
	if train {
		c.Train, c.Buffers = true, map[string][]float32{}
		state, err := m.State()
		require.NoError(t, err)
		for _, s := range state[len(m.Parameters()):] {
			c.Buffers[s.Name] = s.Data
		}
	}
	return c
}

// transpose is the rows×cols matrix x as cols×rows.
func transpose(x []float32, s backend.Shape) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < s.Rows; i++ {
		for j := 0; j < s.Cols; j++ {
			out[j*s.Rows+i] = x[i*s.Cols+j]
		}
	}
	return out
}

// TestPyTorchLoadsLayers: torch_load.py, the script that checks every
// checkpoint kind, rebuilds LayerNorm, AvgPool2D and GlobalAvgPool too and
// gives gltrain's logits within 1e-5.
func TestPyTorchLoadsLayers(t *testing.T) {
	python := backendtest.PyTorch(t)
	for name, m := range layerNets(backendtest.Open(t, "cpu"), t) {
		t.Run(name, func(t *testing.T) {
			defer m.Release()
			perturb(t, m)
			x := sines(3*m.Inputs, 2)
			if m.Inputs == 1 {
				x = []float32{0, 10, 4, 4}
			}
			torchCompare(t, python, m, x, "1e-5")
		})
	}
}

// TestLayerErrors: layers that do not fit say why.
func TestLayerErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		net  nn.Module
		img  *nn.Image
		want string
	}{
		{nn.Seq(&nn.LayerNorm{N: 4}), nil, "LayerNorm declares 4 features, but the width before it is 5"},
		{nn.Seq(&nn.Conv2D{Out: 2, KH: 3}, &nn.LayerNorm{}), &nn.Image{C: 1, H: 4, W: 5}, "put a Flatten before it"},
		{nn.Seq(&nn.Linear{Out: backend.MaxLayerNormWidth + 1}, &nn.LayerNorm{}), nil, "at most 16384"},
		{nn.Seq(&nn.AvgPool2D{KH: 2}), nil, "needs images"},
		{nn.Seq(&nn.Embedding{Vocab: 3, Dim: 2}), nil, "one id a sample, and its input is 5 values"},
		{nn.Seq(&nn.Linear{Out: 1}, &nn.Embedding{Vocab: 0, Dim: 2}), nil, "want Vocab and Dim at least 1"},
		{nn.Seq(&nn.AvgPool2D{KH: 6}), &nn.Image{C: 1, H: 4, W: 5}, "larger than"},
		{nn.Seq(&nn.GlobalAvgPool{}), nil, "needs images"},
		{nn.Seq(&nn.GlobalAvgPool{}), &nn.Image{C: 1, H: 100, W: 100}, "at most 4096"},
	} {
		var err error
		var m *nn.Model
		if tc.img != nil {
			m, err = nn.NewImageModel(b, tc.net, *tc.img, 1)
		} else {
			m, err = nn.NewModel(b, tc.net, 5, 1)
		}
		if m != nil {
			m.Release()
		}
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
}
