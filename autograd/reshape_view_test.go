package autograd_test

import (
	"slices"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestReshapeIsAView: on every backend (each implements backend.Viewer),
// g.Reshape shares x's storage (a write to x is read through it) and
// allocates no buffer; a graph with two reshapes in its path dispatches
// exactly as many kernels (where the backend counts them) and holds as
// many buffers as the same graph without them, forward and backward, and
// gives the same gradient bits.
func TestReshapeIsAView(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.Viewer); !ok {
			t.Fatalf("%s does not implement backend.Viewer", b.Name())
		}
		mr := b.(backend.MemoryReporter)
		xt := upload(t, b, shp(3, 4), uniform(12, 150, -1, 1))
		wt := upload(t, b, shp(3, 4), uniform(12, 151, -1, 1))

		g := autograd.NewGraph(b)
		x := g.Leaf(xt, true)
		before := mr.MemStats()
		y := g.Reshape(x, 6, 2)
		if err := g.Err(); err != nil {
			t.Fatal(err)
		}
		if now := mr.MemStats(); now.LiveBuffers != before.LiveBuffers || now.Allocations != before.Allocations {
			t.Errorf("Reshape: memory %+v, was %+v: want no buffer", now, before)
		}
		fresh := uniform(12, 152, -1, 1)
		if err := b.Upload(xt, fresh); err != nil {
			t.Fatal(err)
		}
		if got, err := backend.ToHost(b, y.Tensor()); err != nil || !slices.Equal(got, fresh) {
			t.Errorf("reshape after a write to x reads %v (%v), want %v", got, err, fresh)
		}
		if err := g.Reset(); err != nil {
			t.Fatal(err)
		}

		type cost struct {
			dispatches uint64
			peak       int
			grad       []float32
		}
		step := func(reshape bool) cost {
			g := autograd.NewGraph(b)
			defer g.Reset()
			var c cost
			d0 := dispatches(b)
			x := g.Leaf(xt, true)
			in := x
			if reshape {
				in = g.Reshape(g.Reshape(x, 2, 6), 3, 4)
			}
			loss := g.Sum(g.Mul(g.Activation(backend.Activation{Kind: backend.Tanh}, in), g.Input(wt)))
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			c.peak = mr.MemStats().LiveBuffers
			var err error
			if c.grad, err = backend.ToHost(b, x.Grad()); err != nil {
				t.Fatal(err)
			}
			c.dispatches = dispatches(b) - d0
			return c
		}
		step(true) // warm the pool
		plain, viewed := step(false), step(true)
		if viewed.dispatches != plain.dispatches || viewed.peak != plain.peak {
			t.Errorf("with two reshapes: %d dispatches, %d live buffers; without: %d, %d", viewed.dispatches, viewed.peak, plain.dispatches, plain.peak)
		}
		if !slices.Equal(viewed.grad, plain.grad) {
			t.Errorf("gradient through the reshapes %v, without %v", viewed.grad, plain.grad)
		}
	})
}

// dispatches is b's dispatch count, or 0 where it keeps none.
func dispatches(b backend.Backend) uint64 {
	if ac, ok := b.(backend.ActivityCounter); ok {
		_, d := ac.Activity()
		return d
	}
	return 0
}
