package nn_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gtensor "gorgonia.org/tensor"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

// onnxTol is the agreement asked of an independent ONNX runtime with
// gltrain's CPU backend: both compute in float32, and only the order of
// accumulation differs (gltrain's blocked products and convolutions against
// the runtime's loops), a few ulps of each sum; at the outputs' scale here
// (|y| of order 1, sums of at most a few hundred terms) that is well under
// 1e-5. The standardisation agrees to the bit (float64 in both).
const onnxTol = 1e-5

// onnxCase is a model to export: its network, input (an image, or flat
// features), loss and whether it has a Standardizer.
type onnxCase struct {
	name  string
	net   func() nn.Module
	in    int
	img   *nn.Image
	loss  nn.Loss
	std   bool
	ids   int // an Embedding model: its rows are ids in [0, ids)
	mixed bool
}

// gonnxCases use only the operators gonnx v1.1.0 (opset 13) runs: Gemm,
// Conv, Reshape, Concat, Gather, Cast, Softmax, Relu, Sigmoid, Tanh and the
// arithmetic.
var gonnxCases = []onnxCase{
	{name: "mlp", in: 4, std: true, net: func() nn.Module {
		return nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.3}, &nn.Linear{Out: 6}, nn.Act(nn.Tanh), &nn.Linear{Out: 3})
	}},
	{name: "softmax-ended", in: 3, std: true, net: func() nn.Module {
		return nn.Seq(&nn.Linear{Out: 5}, nn.Act(nn.Sigmoid), &nn.Linear{Out: 5}, nn.Act(nn.SiLU), &nn.Linear{Out: 4}, nn.Softmax{})
	}},
	{name: "cnn", img: &nn.Image{C: 2, H: 6, W: 6}, std: true, net: func() nn.Module {
		return nn.Seq(&nn.Conv2D{Out: 3, KH: 3, Pad: 1}, nn.Act(nn.ReLU), &nn.Conv2D{Out: 4, KH: 3, Stride: 2}, nn.Act(nn.Tanh),
			nn.Flatten{}, &nn.Linear{Out: 3})
	}},
	{name: "residual-mse", in: 5, loss: nn.MeanSquaredError, net: func() nn.Module {
		return nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU),
			&nn.Residual{F: nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.Tanh), &nn.Linear{Out: 8})}, &nn.Linear{Out: 2})
	}},
	{name: "graph-bce", in: 4, std: true, loss: nn.BCEWithLogits, net: func() nn.Module {
		return &nn.Graph{Nodes: []nn.Node{
			{Name: "deep", Inputs: []string{"x"}, Layer: nn.Seq(&nn.Linear{Out: 6}, nn.Act(nn.ReLU), &nn.Linear{Out: 5})},
			{Name: "wide", Inputs: []string{"x"}, Layer: &nn.Linear{Out: 5}},
			{Name: "both", Inputs: []string{"deep", "wide"}, Merge: nn.MergeConcat},
			{Name: "sum", Inputs: []string{"deep", "wide"}, Merge: nn.MergeAdd},
			{Name: "gate", Inputs: []string{"sum", "wide"}, Merge: nn.MergeMul},
			{Name: "all", Inputs: []string{"both", "gate"}, Merge: nn.MergeConcat},
			{Name: "head", Inputs: []string{"all"}, Layer: &nn.Linear{Out: 2}},
		}}
	}},
	{name: "image-graph", img: &nn.Image{C: 1, H: 5, W: 5}, net: func() nn.Module {
		return &nn.Graph{Nodes: []nn.Node{
			{Name: "a", Inputs: []string{"x"}, Layer: &nn.Conv2D{Out: 2, KH: 3, Pad: 1}},
			{Name: "b", Inputs: []string{"x"}, Layer: &nn.Conv2D{Out: 3, KH: 3, Pad: 1}},
			{Name: "cat", Inputs: []string{"a", "b"}, Merge: nn.MergeConcat},
			{Name: "act", Inputs: []string{"cat"}, Layer: nn.Act(nn.ReLU)},
			{Name: "res", Inputs: []string{"act", "x"}, Merge: nn.MergeConcat},
			{Name: "head", Inputs: []string{"res"}, Layer: nn.Seq(nn.Flatten{}, &nn.Linear{Out: 3})},
		}}
	}},
	{name: "embedding", in: 1, ids: 10, net: func() nn.Module {
		return nn.Seq(&nn.Embedding{Vocab: 10, Dim: 4}, &nn.Linear{Out: 3})
	}},
}

// buildONNXCase builds c on the CPU backend with random weights (biases,
// running statistics and all, so that none is a trivial 0 or 1) and, when
// c.std, a Standardizer with large offsets.
func buildONNXCase(t *testing.T, c onnxCase) *nn.Model {
	t.Helper()
	return buildONNXCaseOn(t, cpu.New(), c)
}

// buildONNXCaseOn is buildONNXCase on b.
func buildONNXCaseOn(t *testing.T, b backend.Backend, c onnxCase) *nn.Model {
	t.Helper()
	var m *nn.Model
	var err error
	if c.img != nil {
		m, err = nn.NewImageModel(b, c.net(), *c.img, 7)
	} else {
		m, err = nn.NewModel(b, c.net(), c.in, 7)
	}
	require.NoError(t, err)
	t.Cleanup(func() { m.Release() })
	m.Loss = c.loss
	rng := rand.New(rand.NewPCG(3, 4))
	state, err := m.State()
	require.NoError(t, err)
	for i := range state {
		for j := range state[i].Data {
			switch {
			case state[i].Int64:
			case strings.HasSuffix(state[i].Name, "running_var"):
				state[i].Data[j] = float32(0.5 + rng.Float64())
			default:
				state[i].Data[j] = float32(rng.NormFloat64() * 0.5)
			}
		}
	}
	require.NoError(t, m.LoadState(state))
	if c.std {
		st := &data.Standardizer{}
		for j := range m.Inputs {
			st.Mean = append(st.Mean, 100*float64(j)+rng.Float64())
			st.Std = append(st.Std, 0.5+2*rng.Float64())
		}
		m.Standardizer = st
	}
	return m
}

// onnxRows are n raw rows for m: around the Standardizer's means, or ids.
func onnxRows(m *nn.Model, c onnxCase, n int) []float32 {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, n*m.Inputs)
	for k := range x {
		switch {
		case c.ids > 0:
			x[k] = float32(rng.IntN(c.ids))
		case m.Standardizer != nil:
			j := k % m.Inputs
			x[k] = float32(m.Standardizer.Mean[j] + m.Standardizer.Std[j]*rng.NormFloat64())
		default:
			x[k] = float32(rng.NormFloat64())
		}
	}
	return x
}

// gltrainOutputs are what the export's outputs must hold, by name, from
// gltrain's own tools on the CPU backend: PredictValues (Model.Forward on
// standardised rows, in evaluation mode; σ of it for BCEWithLogits) and
// Probabilities.
func gltrainOutputs(t *testing.T, m *nn.Model, x []float32) map[string][]float32 {
	t.Helper()
	loss := m.Loss
	m.Loss = nn.MeanSquaredError // PredictValues gives the network's outputs as they are
	vals, err := nn.PredictValues(m, x)
	m.Loss = loss
	require.NoError(t, err)
	flat := func(rows [][]float32) []float32 {
		out, err := nn.Rows(rows)
		require.NoError(t, err)
		return out
	}
	switch m.Loss {
	case nn.BCEWithLogits:
		p, err := nn.PredictValues(m, x) // σ(logits)
		require.NoError(t, err)
		return map[string][]float32{nn.ONNXLogits: vals, nn.ONNXProbabilities: p}
	case nn.SoftmaxCrossEntropy, nn.SVMHinge:
		p, err := nn.Probabilities(m, x)
		require.NoError(t, err)
		out := map[string][]float32{nn.ONNXProbabilities: flat(p)}
		if len(nn.ONNXOutputNames(m)) == 2 {
			out[nn.ONNXLogits] = vals
		}
		return out
	}
	return map[string][]float32{nn.ONNXOutputs: vals}
}

// maxAbsDiff is the largest |a−b| (+Inf when the lengths differ or one is
// NaN where the other is not).
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

// TestONNXGonnx runs each exported model in gonnx, an ONNX runtime of its
// own, on raw rows, and compares every output with gltrain's.
func TestONNXGonnx(t *testing.T) {
	for _, c := range gonnxCases {
		t.Run(c.name, func(t *testing.T) {
			m := buildONNXCase(t, c)
			var buf bytes.Buffer
			require.NoError(t, nn.ExportONNX(&buf, m))
			rt, err := gonnx.NewModelFromBytes(buf.Bytes())
			require.NoError(t, err)
			assert.Equal(t, []string{nn.ONNXInput}, rt.InputNames())
			assert.Equal(t, nn.ONNXOutputNames(m), rt.OutputNames())
			const n = 9
			x := onnxRows(m, c, n)
			got, err := rt.Run(gonnx.Tensors{nn.ONNXInput: gtensor.New(gtensor.WithShape(n, m.Inputs), gtensor.WithBacking(append([]float32(nil), x...)))})
			require.NoError(t, err)
			want := gltrainOutputs(t, m, x)
			for name, w := range want {
				require.Contains(t, got, name)
				assert.Equal(t, gtensor.Shape{n, m.Outputs}, got[name].Shape(), name)
				g, ok := got[name].Data().([]float32)
				require.True(t, ok, "%s is %T", name, got[name].Data())
				d := maxAbsDiff(w, g)
				t.Logf("%s %s: max |gonnx − gltrain| = %.3g", c.name, name, d)
				assert.LessOrEqual(t, d, onnxTol, "%s: gonnx %v, gltrain %v", name, g[:min(6, len(g))], w[:min(6, len(w))])
			}
		})
	}
}

// TestONNXEveryBackend: a model on any backend exports the same bytes as
// the same model on the CPU: the export reads its weights and running
// statistics from the device as they are.
func TestONNXEveryBackend(t *testing.T) {
	c := pythonCases[0] // conv, BatchNorm, the poolings
	var want bytes.Buffer
	require.NoError(t, nn.ExportONNX(&want, buildONNXCase(t, c)))
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		var got bytes.Buffer
		require.NoError(t, nn.ExportONNX(&got, buildONNXCaseOn(t, b, c)))
		assert.True(t, bytes.Equal(want.Bytes(), got.Bytes()), "%s's export differs from the CPU's", b.Name())
	})
}

// TestONNXErrors: what the export refuses, it names, and it leaves an
// existing file whole.
func TestONNXErrors(t *testing.T) {
	b := cpu.New()
	gpt, err := nn.ParseGPTConfig("gpt:layers=1,heads=1,embd=4,ctx=4,vocab=5")
	require.NoError(t, err)
	cases := []struct {
		name string
		net  nn.Module
		in   int
		want string
	}{
		{"gpt", &nn.GPT{Config: gpt}, 1, "nn: export onnx: the network (*nn.GPT): not exported to ONNX (the export covers"},
		{"own layer", nn.Seq(&nn.Linear{Out: 3}, doubler{}), 2, "layer 1 (nn_test.doubler): not exported to ONNX"},
		{"nested own layer", nn.Seq(&nn.Residual{F: nn.Seq(&nn.Linear{Out: 2}, doubler{})}), 2, "layer 0.f.1 (nn_test.doubler)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := nn.NewModel(b, c.net, c.in, 1)
			require.NoError(t, err)
			defer m.Release()
			path := filepath.Join(t.TempDir(), "m.onnx")
			require.NoError(t, os.WriteFile(path, []byte("before"), 0o644))
			err = nn.SaveONNX(path, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.ErrorIs(t, err, nn.ErrNotExported)
			was, _ := os.ReadFile(path)
			assert.Equal(t, "before", string(was), "a refused export leaves the file")
		})
	}
	assert.ErrorContains(t, nn.ExportONNX(&bytes.Buffer{}, &nn.Model{}), "not made by NewModel")
	m, err := nn.NewModel(b, &nn.Linear{Out: 2}, 3, 1)
	require.NoError(t, err)
	defer m.Release()
	m.Standardizer = &data.Standardizer{Mean: []float64{1}, Std: []float64{1}}
	assert.ErrorContains(t, nn.ExportONNX(&bytes.Buffer{}, m), "Standardizer has 1 means")
	m.Standardizer = nil
	assert.ErrorContains(t, nn.SaveONNX(filepath.Join(t.TempDir(), "no", "such", "dir", "m.onnx"), m), "export onnx")
	assert.ErrorContains(t, nn.ExportONNX(failWriter{}, m), "disk full")
}

// doubler is a layer of the test's own type: not exportable.
type doubler struct{}

func (doubler) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Add(x, x) }
func (doubler) Parameters() []*autograd.Value                                { return nil }

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
