package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// mlp is a small classifier trained one step at a time: batch 16, 8 inputs,
// 32 hidden ReLU units, 5 classes.
type mlp struct {
	b      backend.Backend
	params []*autograd.Value // W1, b1, W2, b2
	x, y   backend.Tensor
	sgd    backend.SGD
}

func newMLP(t testing.TB, b backend.Backend) *mlp {
	const batch, in, hidden, classes = 16, 8, 32, 5
	m := &mlp{
		b:   b,
		x:   upload(t, b, shp(batch, in), uniform(batch*in, 41, -1, 1)),
		y:   upload(t, b, shp(batch, 1), labels(batch, classes, 42)),
		sgd: backend.SGD{LR: 0.1},
	}
	for i, s := range []backend.Shape{shp(in, hidden), shp(1, hidden), shp(hidden, classes), shp(1, classes)} {
		p := autograd.NewParameter(b, "p", upload(t, b, s, uniform(s.Len(), uint64(43+i), -0.5, 0.5)))
		m.params = append(m.params, p)
	}
	t.Cleanup(func() { autograd.ReleaseGrad(m.params...) })
	return m
}

// step runs one training step on g: forward, backward, an SGD update of every
// parameter, ZeroGrad and Reset. It returns the loss value's first error.
func (m *mlp) step(g *autograd.Graph) error {
	w1, b1, w2, b2 := m.params[0], m.params[1], m.params[2], m.params[3]
	h := g.Activation(backend.Activation{Kind: backend.ReLU}, g.AddBias(g.MatMul(g.Input(m.x), w1), b1))
	loss := g.SoftmaxCrossEntropy(g.AddBias(g.MatMul(h, w2), b2), g.Input(m.y))
	if err := g.Backward(loss); err != nil {
		return err
	}
	for _, p := range m.params {
		if err := m.b.SGDStep(m.sgd, p.Tensor(), p.Grad(), nil); err != nil {
			return err
		}
	}
	autograd.ZeroGrad(m.params...)
	return g.Reset()
}

// TestMemoryFlat runs 200 training steps and requires that, after a warm-up
// of three, no step allocates a device buffer or leaks a live one.
func TestMemoryFlat(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if !ok {
			t.Skipf("%s does not report memory", b.Name())
		}
		m := newMLP(t, b)
		g := autograd.NewGraph(b)
		const warmup = 3
		var warm backend.MemStats
		for i := range 200 {
			if err := m.step(g); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if i == warmup-1 {
				warm = mr.MemStats()
			}
			if s := mr.MemStats(); i >= warmup && (s.Allocations != warm.Allocations || s.LiveBuffers != warm.LiveBuffers) {
				t.Fatalf("step %d: %d allocations and %d live buffers, after warm-up %d and %d",
					i, s.Allocations, s.LiveBuffers, warm.Allocations, warm.LiveBuffers)
			}
		}
		before := mr.MemStats().LiveBuffers
		if err := autograd.ReleaseGrad(m.params...); err != nil {
			t.Fatal(err)
		}
		if got := mr.MemStats().LiveBuffers; got != before-len(m.params) {
			t.Errorf("ReleaseGrad of %d parameters: live buffers %d → %d", len(m.params), before, got)
		}
	})
}

// TestAllocsPerStep measures the Go heap allocations of a training step. On
// the null backend, whose kernels do nothing and allocate nothing, every
// allocation would be autograd's own, and there must be none: Values are
// recycled, nodes hold no closures, and the node list keeps its capacity.
// On the real backends the count is the backend's (a tensor handle per New,
// a closure per parallel kernel) and is reported.
func TestAllocsPerStep(t *testing.T) {
	run := func(t *testing.T, b backend.Backend) float64 {
		m := newMLP(t, b)
		g := autograd.NewGraph(b)
		for range 3 { // warm up the free list, the node list and the pool
			if err := m.step(g); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		allocs := testing.AllocsPerRun(100, func() {
			if e := m.step(g); e != nil && err == nil {
				err = e
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return allocs
	}
	t.Run("null", func(t *testing.T) {
		if allocs := run(t, newNullBackend()); allocs != 0 {
			t.Errorf("autograd allocates %v times per step, want 0", allocs)
		}
	})
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		t.Logf("%s: %v allocations per step", b.Name(), run(t, b))
	})
}
