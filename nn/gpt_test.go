package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

func TestParseGPTConfig(t *testing.T) {
	for _, c := range []struct {
		in   string
		want nn.GPTConfig
		err  string
	}{
		{in: "gpt", want: nn.DefaultGPTConfig()},
		{in: "gpt:layers=2,heads=2,embd=64,ctx=32", want: nn.GPTConfig{Vocab: 256, Ctx: 32, Layers: 2, Heads: 2, Embd: 64}},
		{in: "gpt:vocab=65", want: nn.GPTConfig{Vocab: 65, Ctx: 128, Layers: 4, Heads: 4, Embd: 128}},
		{in: "gpt:heads=3", err: "embd 128 is not a multiple of heads 3"},
		{in: "gpt:ctx=2048", err: "ctx 2048: want 1 … 1024"},
		{in: "gpt:layers=x", err: `"layers=x": want key=integer`},
		{in: "gpt:depth=2", err: `unknown key "depth"`},
		{in: "gpt:layers=2,layers=3", err: "layers given twice"},
		{in: "bert", err: "want gpt or gpt:"},
	} {
		got, err := nn.ParseGPTConfig(c.in)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
		back, err := nn.ParseGPTConfig(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, back, "String reads back")
	}
}

// TestGPTParams: the parameter count is nanoGPT's get_num_params (the tied
// head counted once, the position embedding included), and the names are
// nanoGPT's.
func TestGPTParams(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	c := nn.GPTConfig{Vocab: 11, Ctx: 6, Layers: 2, Heads: 2, Embd: 8}
	m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 1)
	require.NoError(t, err)
	defer m.Release()
	n := 0
	var names []string
	for _, p := range m.Parameters() {
		n += p.Shape().Len()
		names = append(names, p.Name())
	}
	assert.Equal(t, c.Params(), n)
	assert.Equal(t, 11, m.Outputs)
	assert.Equal(t, "transformer.wte.weight", names[0])
	assert.Contains(t, names, "transformer.h.1.attn.c_attn.weight")
	assert.Contains(t, names, "transformer.h.0.mlp.c_proj.bias")
	assert.Equal(t, "transformer.ln_f.bias", names[len(names)-1])
	assert.Equal(t, 4*2, len(m.Net.(*nn.GPT).Matrices()), "four Linear weights a block take weight decay")
}

// TestPyTorchGPT: nanoGPT's model in torch 1.13 (testdata/torch_gpt.py),
// loaded from nn.Save's checkpoint with strict=True, gives the logits, the
// loss and every parameter's gradient of nn.GPT on both backends. The
// tolerance is torch_layers.py's rule, 1e-5·|torch| + 1e-5·max|tensor|:
// float32 against float64 through two blocks, whose rounding is about
// 1e-7 relative per operation.
func TestPyTorchGPT(t *testing.T) {
	python := backendtest.PyTorch(t)
	c := nn.GPTConfig{Vocab: 13, Ctx: 8, Layers: 2, Heads: 2, Embd: 8}
	const batch = 2
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 7)
		require.NoError(t, err)
		defer m.Release()
		gp := m.Net.(*nn.GPT)
		// LayerNorms and biases off their starting 1 and 0, so a swapped
		// weight and bias would show.
		for i, p := range m.Parameters() {
			if p.Shape().Rows == 1 {
				require.NoError(t, b.Upload(p.Tensor(), sinesAt(p.Shape().Len(), 0.3, float64(i))))
			}
		}
		n := batch * c.Ctx
		ids, targets := make([]float32, n), make([]float32, n)
		for i := range ids {
			ids[i], targets[i] = float32((i*5+3)%c.Vocab), float32((i*7+1)%c.Vocab)
		}
		ids[3], ids[4] = 12, 12 // a repeated token: its embedding gradient sums

		g := autograd.NewGraph(b)
		defer g.Reset()
		idv := g.Constant(backend.Shape{Rows: n, Cols: 1}, ids)
		logits := m.Forward(g, idv)
		loss := g.SoftmaxCrossEntropy(logits, g.Constant(backend.Shape{Rows: n, Cols: 1}, targets))
		require.NoError(t, g.Backward(loss))

		dir := t.TempDir()
		ck := filepath.Join(dir, "m.safetensors")
		require.NoError(t, nn.Save(ck, m, nil))
		f, err := safetensors.ReadFile(ck)
		require.NoError(t, err)
		in := append(f.Tensors,
			safetensors.Tensor{Name: "ids", Shape: []int{batch, c.Ctx}, Data: ids},
			safetensors.Tensor{Name: "targets", Shape: []int{batch, c.Ctx}, Data: targets})
		cfg, err := json.Marshal(c)
		require.NoError(t, err)
		inPath, outPath := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
		require.NoError(t, safetensors.WriteFile(inPath, in, map[string]string{"gpt": string(cfg)}))
		out, err := exec.Command(python, "testdata/torch_gpt.py", inPath, outPath).CombinedOutput()
		require.NoError(t, err, "%s", out)
		ref, err := safetensors.ReadFile(outPath)
		require.NoError(t, err)
		want := map[string][]float32{}
		for _, rt := range ref.Tensors {
			want[rt.Name] = rt.Data
		}

		close := func(what string, got, want []float32) {
			t.Helper()
			require.Equal(t, len(want), len(got), what)
			top := 0.0
			for _, w := range want {
				top = math.Max(top, math.Abs(float64(w)))
			}
			for i := range want {
				d := math.Abs(float64(got[i]) - float64(want[i]))
				if d > 1e-5*math.Abs(float64(want[i]))+1e-5*top {
					t.Fatalf("%s[%d] = %v, torch %v (|Δ| %.3g, max|torch| %.3g)", what, i, got[i], want[i], d, top)
				}
			}
		}
		host := func(t backend.Tensor) []float32 {
			x, err := backend.ToHost(b, t)
			require.NoError(nil, err)
			return x
		}
		close("logits", host(logits.Tensor()), want["logits"])
		close("loss", host(loss.Tensor()), want["loss"])
		matrix := map[*autograd.Value]bool{}
		for _, w := range gp.Matrices() {
			matrix[w] = true
		}
		for _, p := range m.Parameters() {
			gr := host(p.Grad())
			if matrix[p] {
				gr = transpose(gr, p.Shape())
			}
			w, ok := want["grad."+p.Name()]
			require.True(t, ok, "torch has no gradient for %s", p.Name())
			close("grad "+p.Name(), gr, w)
		}

		// Load rebuilds it: same names, same logits to the bit.
		l, err := nn.Load(ck, b)
		require.NoError(t, err)
		defer l.Release()
		assert.Equal(t, m.String(), l.String())
		g2 := autograd.NewGraph(b)
		defer g2.Reset()
		assert.Equal(t, host(logits.Tensor()), host(l.Forward(g2, g2.Constant(backend.Shape{Rows: n, Cols: 1}, ids)).Tensor()))
	})
}

// TestGPTTiedHeadRefused: a checkpoint whose lm_head.weight is not the
// token embedding's copy is refused, naming both.
func TestGPTTiedHeadRefused(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	c := nn.GPTConfig{Vocab: 5, Ctx: 4, Layers: 1, Heads: 1, Embd: 4}
	m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 1)
	require.NoError(t, err)
	defer m.Release()
	st, err := m.State()
	require.NoError(t, err)
	require.Equal(t, "lm_head.weight", st[len(st)-1].Name)
	require.NoError(t, m.LoadState(st), "the tied copy loads")
	st[len(st)-1].Data = append([]float32(nil), st[len(st)-1].Data...)
	st[len(st)-1].Data[0]++
	assert.ErrorContains(t, m.LoadState(st), "lm_head.weight differs from transformer.wte.weight")
}

// TestGPTGradientCheck: the gradients of a 1-layer, 2-head GPT at ctx 8
// (issue #24's size) agree with centred finite differences of its loss on
// both backends, for up to 12 elements of every parameter (the tied
// embedding's gradient sums both uses). The measure and the step are
// autograd.CheckGradients': |a − n| / max(|a|, |n|, 1e-2·G), G the
// largest numerical gradient, h = 1e-2·max(|x|, 1); the bound, 1e-2, is
// autograd's gradTol. The differences of a float32 loss are the noisy
// side: the worst elements measured 4e-3 (cpu) and 7e-3 (gl).
func TestGPTGradientCheck(t *testing.T) {
	c := nn.GPTConfig{Vocab: 11, Ctx: 8, Layers: 1, Heads: 2, Embd: 8}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 5)
		require.NoError(t, err)
		defer m.Release()
		// Away from the initial 1s and 0s, and large enough (amplitude 3) that
		// the gradients stand well above the loss's float32 rounding, which
		// the differences divide by 2h.
		for i, p := range m.Parameters() {
			require.NoError(t, b.Upload(p.Tensor(), sinesAt(p.Shape().Len(), 3.0, float64(i))))
		}
		const n = 2 * 8
		ids, targets := make([]float32, n), make([]float32, n)
		for i := range ids {
			ids[i], targets[i] = float32((i*3+1)%c.Vocab), float32((i*5+2)%c.Vocab)
		}
		shape := backend.Shape{Rows: n, Cols: 1}
		loss := func(backward bool) float64 {
			g := autograd.NewGraph(b)
			defer g.Reset()
			if !backward {
				g.SetGrad(false)
			}
			l := g.SoftmaxCrossEntropy(m.Forward(g, g.Constant(shape, ids)), g.Constant(shape, targets))
			if backward {
				require.NoError(t, g.Backward(l))
			}
			x, err := backend.ToHost(b, l.Tensor())
			require.NoError(t, err)
			return float64(x[0])
		}
		autograd.ZeroGrad(m.Parameters()...)
		loss(true)
		type pair struct {
			name   string
			a, num float64
		}
		var pairs []pair
		top := 0.0
		for _, p := range m.Parameters() {
			grad, err := backend.ToHost(b, p.Grad())
			require.NoError(t, err)
			x0, err := backend.ToHost(b, p.Tensor())
			require.NoError(t, err)
			stride := max(1, len(x0)/12)
			for j := 0; j < len(x0); j += stride {
				h := 1e-2 * math.Max(math.Abs(float64(x0[j])), 1)
				x := append([]float32(nil), x0...)
				x[j] = x0[j] + float32(h)
				require.NoError(t, b.Upload(p.Tensor(), x))
				up := loss(false)
				x[j] = x0[j] - float32(h)
				require.NoError(t, b.Upload(p.Tensor(), x))
				down := loss(false)
				require.NoError(t, b.Upload(p.Tensor(), x0))
				num := (up - down) / (float64(x0[j]+float32(h)) - float64(x0[j]-float32(h)))
				pairs = append(pairs, pair{fmt.Sprintf("%s[%d]", p.Name(), j), float64(grad[j]), num})
				top = math.Max(top, math.Abs(num))
			}
		}
		worst := 0.0
		for _, q := range pairs {
			rel := math.Abs(q.a-q.num) / math.Max(math.Max(math.Abs(q.a), math.Abs(q.num)), 1e-2*top)
			worst = math.Max(worst, rel)
			assert.LessOrEqual(t, rel, 1e-2, "%s: analytic %v, numeric %v", q.name, q.a, q.num)
		}
		t.Logf("%d elements, worst relative error %.3g", len(pairs), worst)
	})
}
