package nn_test

import (
	"encoding/json"
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

// attentionGrads runs m on x and backpropagates Σ y·dy, as layerGrads
// does, with every weight's gradient in PyTorch's layout (out×in).
func attentionGrads(t *testing.T, m *nn.Model, x, dy []float32) layerCase {
	b := m.Backend()
	xt, err := backend.FromData(b, backend.Shape{Rows: len(x) / m.Inputs, Cols: m.Inputs}, x)
	require.NoError(t, err)
	defer b.Release(xt)
	g := autograd.NewGraph(b)
	defer g.Reset()
	g.SetMode(autograd.ModeEval)
	xv := g.Leaf(xt, true)
	y := m.Forward(g, xv)
	require.NoError(t, g.Backward(g.Sum(g.Mul(y, g.Constant(y.Shape(), dy)))))
	c := layerCase{X: x, DY: dy, Grads: map[string][]float32{}}
	c.Y, err = backend.ToHost(b, y.Tensor())
	require.NoError(t, err)
	c.DX, err = backend.ToHost(b, xv.Grad())
	require.NoError(t, err)
	for _, p := range m.Parameters() {
		gr, err := backend.ToHost(b, p.Grad())
		require.NoError(t, err)
		if strings.HasSuffix(p.Name(), ".weight") {
			gr = transpose(gr, p.Shape())
		}
		c.Grads[p.Name()] = gr
	}
	return c
}

// TestPyTorchAttention: on every backend, a CausalSelfAttention (12
// features in 3 heads, context 5, two sequences) saves a checkpoint that
// nanoGPT's CausalSelfAttention in torch 1.13 (testdata/attention_torch.py)
// loads with strict=True by its own names (c_attn.weight, …); PyTorch's
// output and gradients with respect to the input and every parameter, of
// Σ y·dy in float64, agree with gltrain's within 1e-5 relative (1e-5 of
// the tensor's largest element for elements that cancel to near zero, as
// TestPyTorchLayers); and nn.Load rebuilds the model.
func TestPyTorchAttention(t *testing.T) {
	python := backendtest.PyTorch(t)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewModel(b, nn.Seq(&nn.CausalSelfAttention{Embd: 12, Heads: 3, Ctx: 5}), 12, 7)
		require.NoError(t, err)
		defer m.Release()
		names := []string{}
		for _, p := range m.Parameters() {
			names = append(names, p.Name())
		}
		assert.Equal(t, []string{"0.c_attn.weight", "0.c_attn.bias", "0.c_proj.weight", "0.c_proj.bias"}, names)
		for _, p := range m.Parameters() { // the biases start at zero: make them matter
			require.NoError(t, b.Upload(p.Tensor(), sinesAt(p.Shape().Len(), 0.4, float64(len(p.Name())))))
		}
		const rows = 2 * 5
		c := attentionGrads(t, m, sines(rows*12, 2), sines(rows*12+3, 1)[3:])
		dir := t.TempDir()
		path := filepath.Join(dir, "m.safetensors")
		require.NoError(t, nn.Save(path, m, nil))
		js, err := json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "case.json"), js, 0o644))
		out, err := exec.Command(python, "testdata/attention_torch.py", path, filepath.Join(dir, "case.json")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("%s", out)
		l, err := nn.Load(path, b)
		require.NoError(t, err)
		defer l.Release()
		assert.Equal(t, m.String(), l.String())
	})
}

// attnHolder is a module of the caller's own holding an attention layer.
type attnHolder struct{ Attn *nn.CausalSelfAttention }

func (h *attnHolder) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return h.Attn.Forward(g, x)
}
func (h *attnHolder) Parameters() []*autograd.Value { return h.Attn.Parameters() }

// TestAttentionLayer: a module of one's own names the layer's parameters
// as PyTorch would (attn.c_attn.weight, …); dropout changes the output
// only while training, the same way for the same seed; bad geometry is an
// error naming the layer.
func TestAttentionLayer(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	attn := &nn.CausalSelfAttention{Embd: 4, Heads: 2, Ctx: 3}
	built, err := nn.NewModel(b, nn.Seq(attn), 4, 1)
	require.NoError(t, err)
	defer built.Release()
	inner, err := nn.NewCausalSelfAttention(b, 4, 2, 3, nn.Xavier, 5, "")
	require.NoError(t, err)
	m, err := nn.NewModel(b, &attnHolder{inner}, 4, 1)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias"}, names)

	drop, err := nn.NewModel(b, nn.Seq(&nn.CausalSelfAttention{Embd: 4, Heads: 2, Ctx: 3, P: 0.5}), 4, 1)
	require.NoError(t, err)
	defer drop.Release()
	x := sines(2*3*4, 1)
	run := func(m *nn.Model, mode autograd.Mode) []float32 {
		xt, err := backend.FromData(b, backend.Shape{Rows: 6, Cols: 4}, x)
		require.NoError(t, err)
		defer b.Release(xt)
		g := autograd.NewGraph(b)
		defer g.Reset()
		g.SetMode(mode)
		y := m.Forward(g, g.Input(xt))
		require.NoError(t, g.Err())
		out, err := backend.ToHost(b, y.Tensor())
		require.NoError(t, err)
		return out
	}
	assert.Equal(t, run(built, autograd.ModeEval), run(drop, autograd.ModeEval), "the same seed and no dropout in evaluation")
	assert.NotEqual(t, run(built, autograd.ModeEval), run(drop, autograd.ModeTrain), "dropout while training")

	for i, tc := range []struct {
		l    *nn.CausalSelfAttention
		says string
	}{
		{&nn.CausalSelfAttention{Embd: 4, Heads: 3, Ctx: 3}, "4 features in 3 heads"},
		{&nn.CausalSelfAttention{Embd: 4, Heads: 2, Ctx: backend.MaxAttentionContext + 1}, "context 4097"},
		{&nn.CausalSelfAttention{Embd: 5, Heads: 1, Ctx: 3}, "Embd 5, but the width before it is 4"},
		{&nn.CausalSelfAttention{Embd: 4, Heads: 1, Ctx: 3, P: 1}, "dropout probability 1"},
	} {
		_, err := nn.NewModel(b, nn.Seq(tc.l), 4, 1)
		if err == nil || !strings.Contains(err.Error(), "causal self-attention") || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%d: error %v, want one naming causal self-attention and %q", i, err, tc.says)
		}
	}
	g := autograd.NewGraph(b)
	defer g.Reset()
	xt, err := backend.FromData(b, backend.Shape{Rows: 4, Cols: 4}, make([]float32, 16)) // more than Ctx rows, not a multiple
	require.NoError(t, err)
	defer b.Release(xt)
	attn.Forward(g, g.Input(xt))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "whole sequences of 3 rows") {
		t.Errorf("4 rows in sequences of 3: error %v", err)
	}
}

// TestAttentionDropoutResume: a resumed model draws the attention dropout
// masks the uninterrupted run would have (the mask of a training forward
// depends on the seed and the step count alone, which Resume restores).
func TestAttentionDropoutResume(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, nn.Seq(&nn.CausalSelfAttention{Embd: 4, Heads: 2, Ctx: 3, P: 0.5}), 4, 9)
	require.NoError(t, err)
	defer m.Release()
	x := sines(2*3*4, 1)
	train := func(m *nn.Model) []float32 {
		xt, err := backend.FromData(b, backend.Shape{Rows: 6, Cols: 4}, x)
		require.NoError(t, err)
		defer b.Release(xt)
		g := autograd.NewGraph(b)
		defer g.Reset()
		g.SetMode(autograd.ModeTrain)
		y := m.Forward(g, g.Input(xt))
		require.NoError(t, g.Err())
		out, err := backend.ToHost(b, y.Tensor())
		require.NoError(t, err)
		return out
	}
	first, second := train(m), train(m)
	assert.NotEqual(t, first, second, "two steps draw two masks")
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, nn.Save(path, m, &nn.TrainState{Epochs: 1, Steps: 2}))
	third := train(m)
	r, st, err := nn.Resume(path, b)
	require.NoError(t, err)
	defer r.Release()
	require.Equal(t, 2, st.Steps)
	assert.Equal(t, third, train(r), "the resumed model's first step is the uninterrupted run's third")
}
