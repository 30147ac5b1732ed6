package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// genConfig is a GPT small enough for every test here: 2 heads of 4, a
// context of 8 (so a few tokens slide it), a vocabulary not a power of 2.
var genConfig = nn.GPTConfig{Vocab: 13, Ctx: 8, Layers: 2, Heads: 2, Embd: 8}

// newGenModel builds genConfig on b with LayerNorms and biases moved off
// 1 and 0 and the weights scaled up 20× from nanoGPT's 0.02, so that the
// logits differ enough between tokens for a swapped row to show.
func newGenModel(t *testing.T, b backend.Backend) *nn.Model {
	m, err := nn.NewModel(b, &nn.GPT{Config: genConfig}, 1, 7)
	require.NoError(t, err)
	t.Cleanup(func() { m.Release() })
	host := make([]float32, 0, 1024)
	for i, p := range m.Parameters() {
		n := p.Shape().Len()
		if p.Shape().Rows == 1 {
			require.NoError(t, b.Upload(p.Tensor(), sinesAt(n, 0.3, float64(i))))
			continue
		}
		host = host[:n]
		require.NoError(t, b.Download(host, p.Tensor()))
		for j := range host {
			host[j] *= 20
		}
		require.NoError(t, b.Upload(p.Tensor(), host))
	}
	return m
}

// forwardLast is the logits of the token after window, from a full
// GPT.Forward over it.
func forwardLast(t *testing.T, m *nn.Model, window []int) []float32 {
	b := m.Backend()
	g := autograd.NewGraph(b)
	defer g.Reset()
	g.SetGrad(false)
	ids := make([]float32, len(window))
	for i, tok := range window {
		ids[i] = float32(tok)
	}
	logits := m.Forward(g, g.Constant(backend.Shape{Rows: len(ids), Cols: 1}, ids))
	require.NoError(t, g.Err())
	all := make([]float32, logits.Shape().Len())
	require.NoError(t, b.Download(all, logits.Tensor()))
	return all[len(all)-genConfig.Vocab:]
}

// TestGeneratorMatchesForward: the logits of the KV-cache path equal a full
// Forward's over the window they are conditioned on, token after token,
// through several slides, for a slide of 1 (nanoGPT's window), 3 and the
// default (Ctx/2). The tolerance, 1e-5·(1 + |want|), is float32 rounding:
// the two paths sum in different orders (a one-row against a T-row
// product, a softmax over Ctx columns with −Inf beyond the window against
// the causal softmax), about 1e-7 relative an operation through two
// blocks, for logits of magnitude about 1 (observed: at most 3e-7 on cpu
// and on Mesa's gl); a wrong position or cache row is off by 1e-2 or more.
func TestGeneratorMatchesForward(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m := newGenModel(t, b)
		for _, slide := range []int{1, 3, 0} {
			t.Run(fmt.Sprintf("slide=%d", slide), func(t *testing.T) {
				gen, err := nn.NewGenerator(m, slide)
				require.NoError(t, err)
				defer gen.Release()
				logits, err := gen.Start([]int{4, 11, 2})
				require.NoError(t, err)
				for i := 0; ; i++ {
					want := forwardLast(t, m, gen.Window())
					worst, at := 0.0, 0
					for j := range want {
						d := math.Abs(float64(logits[j]-want[j])) / (1 + math.Abs(float64(want[j])))
						if d > worst || math.IsNaN(d) {
							worst, at = d, j
						}
					}
					require.LessOrEqual(t, worst, 1e-5, "token %d, window %v: logit %d is %v, Forward's %v", i, gen.Window(), at, logits[at], want[at])
					if i == 20 { // 3 + 20 tokens: past Ctx 8 twice at least
						break
					}
					logits, err = gen.Next((i*7 + 5) % genConfig.Vocab)
					require.NoError(t, err)
				}
				assert.Equal(t, genConfig.Ctx-gen.Slide()+1 <= len(gen.Window()), true, "the window after slides")
			})
		}
	})
}

// TestGeneratorWindow: the window is the prompt's last Ctx tokens, then
// grows by one a token and drops Slide tokens when full.
func TestGeneratorWindow(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m := newGenModel(t, b)
	gen, err := nn.NewGenerator(m, 3)
	require.NoError(t, err)
	defer gen.Release()
	_, err = gen.Start([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	require.NoError(t, err)
	assert.Equal(t, []int{3, 4, 5, 6, 7, 8, 9, 10}, gen.Window(), "the last Ctx tokens of a long prompt")
	assert.Equal(t, 8, gen.Rows())
	_, err = gen.Next(11)
	require.NoError(t, err)
	assert.Equal(t, []int{6, 7, 8, 9, 10, 11}, gen.Window(), "3 dropped, 11 appended")
	assert.Equal(t, 8+6, gen.Rows(), "a prefill of the 6")
	_, err = gen.Next(12)
	require.NoError(t, err)
	assert.Equal(t, []int{6, 7, 8, 9, 10, 11, 12}, gen.Window())
	assert.Equal(t, 8+6+1, gen.Rows(), "one row")
}

// TestGeneratorErrors: bad arguments are errors naming what is wrong.
func TestGeneratorErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m := newGenModel(t, b)
	_, err := nn.NewGenerator(m, genConfig.Ctx+1)
	assert.ErrorContains(t, err, "slide 9: want 1 … 8")
	mlp, err := nn.MLP(2, []int{3}, 2, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer mlp.Release()
	_, err = nn.NewGenerator(mlp, 0)
	assert.ErrorContains(t, err, "not a built GPT")

	gen, err := nn.NewGenerator(m, 0)
	require.NoError(t, err)
	_, err = gen.Next(1)
	assert.ErrorContains(t, err, "Next before Start")
	_, err = gen.Start(nil)
	assert.ErrorContains(t, err, "empty prompt")
	_, err = gen.Start([]int{1, 13})
	assert.ErrorContains(t, err, "token 13 at position 1: want 0 … 12")
	_, err = gen.Start([]int{1})
	require.NoError(t, err)
	_, err = gen.Next(-1)
	assert.ErrorContains(t, err, "token -1")
	require.NoError(t, gen.Release())
	_, err = gen.Next(1)
	assert.ErrorContains(t, err, "released")
}

// TestGenerateSeed: a seed gives the same tokens on every run and on every
// backend, another seed other tokens. The backends' logits differ by
// float32 rounding (about 1e-7, TestGeneratorMatchesForward), which moves a
// draw to another token only when it falls that close to a boundary
// between two tokens' probabilities: about 1e-6 a token, so 40 tokens
// agree but for odds of about 1 in 25,000.
func TestGenerateSeed(t *testing.T) {
	got := map[string][]int{}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m := newGenModel(t, b)
		run := func(seed uint64) []int {
			gen, err := nn.NewGenerator(m, 0)
			require.NoError(t, err)
			defer gen.Release()
			s, err := nn.NewSampler(0.8, 6, seed)
			require.NoError(t, err)
			var emitted []int
			out, err := gen.Generate([]int{10}, 40, s, func(tok int) error { emitted = append(emitted, tok); return nil })
			require.NoError(t, err)
			require.Len(t, out, 40)
			assert.Equal(t, out, emitted, "emit sees each token as drawn")
			// The prompt's row, 7 steps to the context of 8, then 8 times
			// a slide of 4 (a prefill of 5 rows) and 3 steps: 39 Nexts,
			// none for the token after the last.
			assert.Equal(t, 1+7+8*(5+3), gen.Rows())
			return out
		}
		first := run(1)
		assert.Equal(t, first, run(1), "seed 1 again")
		assert.NotEqual(t, first, run(2), "seed 2")
		got[b.Name()] = first
	})
	if cpu, gl := got["cpu"], got["gl"]; cpu != nil && gl != nil {
		assert.Equal(t, cpu, gl, "seed 1 on cpu and gl")
	}
}
