package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// macCounter is a backend that counts the multiply-adds of every product
// (MatMul, LinearForward, BatchedMatMul): the work of a pass, independent
// of time. It passes the optional interfaces a GPT needs through.
type macCounter struct {
	backend.Backend
	macs int64
}

func (c *macCounter) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, d backend.Tensor) error {
	k := a.Shape().Cols
	if tA {
		k = a.Shape().Rows
	}
	c.macs += int64(d.Shape().Len()) * int64(k)
	return c.Backend.MatMul(tA, tB, alpha, a, b, beta, d)
}

func (c *macCounter) LinearForward(f backend.Activation, y, z, x, w, bias backend.Tensor) error {
	c.macs += int64(x.Shape().Len()) * int64(w.Shape().Cols)
	return c.Backend.(backend.LinearFuser).LinearForward(f, y, z, x, w, bias)
}

func (c *macCounter) LinearBackward(f backend.Activation, dx, dw, db, x, w, z, dy backend.Tensor, betaX, betaW, betaB float32) error {
	return c.Backend.(backend.LinearFuser).LinearBackward(f, dx, dw, db, x, w, z, dy, betaX, betaW, betaB)
}

func (c *macCounter) BatchedMatMul(p backend.BatchedGemm, a, b, d backend.Strided) error {
	c.macs += int64(p.Batch[0]*p.Batch[1]) * int64(p.M*p.N) * int64(p.K)
	return c.Backend.(backend.BatchedMatMuler).BatchedMatMul(p, a, b, d)
}

func (c *macCounter) LayerNormForward(eps float32, y, stats, x, w, b backend.Tensor) error {
	return c.Backend.(backend.Normalizer).LayerNormForward(eps, y, stats, x, w, b)
}

func (c *macCounter) LayerNormBackward(dx, dw, db, dy, x, w, stats backend.Tensor) error {
	return c.Backend.(backend.Normalizer).LayerNormBackward(dx, dw, db, dy, x, w, stats)
}

func (c *macCounter) SoftmaxForward(dst, x backend.Tensor) error {
	return c.Backend.(backend.Softmaxer).SoftmaxForward(dst, x)
}

func (c *macCounter) SoftmaxBackward(dx, y, dy backend.Tensor) error {
	return c.Backend.(backend.Softmaxer).SoftmaxBackward(dx, y, dy)
}

func (c *macCounter) CausalSoftmaxForward(p, s backend.Tensor) error {
	return c.Backend.(backend.CausalSoftmaxer).CausalSoftmaxForward(p, s)
}

func (c *macCounter) CausalSoftmaxBackward(ds, p, dp backend.Tensor) error {
	return c.Backend.(backend.CausalSoftmaxer).CausalSoftmaxBackward(ds, p, dp)
}

// TestGeneratorCost: a token generated with the cache costs about 1/Ctx
// of a full pass over the context, not a full pass. Counted in
// multiply-adds: a full Forward over Ctx = 64 rows, then the steps of
// generation from a one-token prompt up to the context, each of which must
// cost at most 2/Ctx of it (a step is one row's products, Ctx times fewer,
// plus its attention against t+1 ≤ Ctx cached rows, which the full pass
// has for every row too; the 2 leaves room for the logits row, which both
// compute once a row). Generating the Ctx−1 tokens costs at most 2 full
// passes in all, where recomputing the window each token, as nanoGPT does,
// costs about Ctx/2 of them.
func TestGeneratorCost(t *testing.T) {
	c := nn.GPTConfig{Vocab: 32, Ctx: 64, Layers: 2, Heads: 2, Embd: 16}
	cb := &macCounter{Backend: backendtest.Open(t, "cpu")}
	m, err := nn.NewModel(cb, &nn.GPT{Config: c}, 1, 1)
	require.NoError(t, err)
	defer m.Release()

	ids := make([]float32, c.Ctx)
	for i := range ids {
		ids[i] = float32(i * 5 % c.Vocab)
	}
	g := autograd.NewGraph(cb)
	g.SetGrad(false)
	before := cb.macs
	m.Forward(g, g.Constant(backend.Shape{Rows: c.Ctx, Cols: 1}, ids))
	require.NoError(t, g.Err())
	full := cb.macs - before
	require.NoError(t, g.Reset())

	gen, err := nn.NewGenerator(m, 0)
	require.NoError(t, err)
	defer gen.Release()
	_, err = gen.Start([]int{3})
	require.NoError(t, err)
	start := cb.macs
	for i := 1; i < c.Ctx; i++ {
		before := cb.macs
		_, err := gen.Next(i * 5 % c.Vocab)
		require.NoError(t, err)
		assert.LessOrEqual(t, cb.macs-before, 2*full/int64(c.Ctx), "token %d: %d multiply-adds, a full pass %d", i, cb.macs-before, full)
	}
	assert.Equal(t, c.Ctx, gen.Rows(), "one row a token")
	assert.LessOrEqual(t, cb.macs-start, 2*full, "%d tokens", c.Ctx-1)
}

// TestGeneratorSteadyAllocations: after the first prefill and step, steps
// and slides (prefills of one window size) allocate no device buffer.
func TestGeneratorSteadyAllocations(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if !ok {
			t.Skipf("%s reports no memory statistics", b.Name())
		}
		m := newGenModel(t, b)
		gen, err := nn.NewGenerator(m, 4)
		require.NoError(t, err)
		defer gen.Release()
		_, err = gen.Start([]int{1, 2, 3})
		require.NoError(t, err)
		for i := range 8 { // through the first slide, and a step after it
			_, err = gen.Next(i)
			require.NoError(t, err)
		}
		allocs := mr.MemStats().Allocations
		for i := range 20 { // 4 more slides
			_, err = gen.Next(i % genConfig.Vocab)
			require.NoError(t, err)
		}
		assert.Equal(t, allocs, mr.MemStats().Allocations, "device buffers allocated in 20 steady tokens")
	})
}
