package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// convCases cover Conv2D and MaxPool2D: stride 1 and 2, padding 0 and 1,
// square and non-square images and kernels, each through a projection to a
// scalar so that the upstream gradients are not all ones; a convolution
// feeding a pooling (the CNN's block), and x used twice. Inputs of max
// pooling are spread (uniform over [−4, 4] on few values) so that no
// finite-difference step of 1e-3 changes a window's maximum.
func convCases() []gradCase {
	type fn = func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
	conv := func(geom backend.Conv2D, n int, seed uint64) gradCase {
		x := variable(n, geom.In(), uniform(n*geom.In(), seed, -1, 1))
		w := variable(geom.K, geom.Patch(), uniform(geom.K*geom.Patch(), seed+1, -1, 1))
		b := variable(1, geom.K, uniform(geom.K, seed+2, -1, 1))
		proj := weights(n, geom.Out(), seed+3)
		return gradCase{"conv2d " + geom.String(), []autograd.GradInput{x, w, b, proj}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Conv2D(geom, v[0], v[1], v[2]), v[3])
		}}
	}
	pool := backend.Pool2D{C: 2, H: 5, W: 6, KH: 2, KW: 3, Stride: 2}
	block := backend.Conv2D{C: 1, H: 6, W: 7, K: 2, KH: 3, KW: 3, Stride: 1, Pad: 1}
	blockPool := backend.Pool2D{C: 2, H: 6, W: 7, KH: 2, KW: 2, Stride: 2}
	var f fn = func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
		return project(g, g.MaxPool2D(pool, v[0]), v[1])
	}
	return []gradCase{
		conv(backend.Conv2D{C: 2, H: 5, W: 5, K: 3, KH: 3, KW: 3, Stride: 1, Pad: 0}, 2, 40),
		conv(backend.Conv2D{C: 2, H: 7, W: 5, K: 2, KH: 3, KW: 2, Stride: 2, Pad: 1}, 2, 50),
		conv(backend.Conv2D{C: 1, H: 4, W: 9, K: 2, KH: 2, KW: 4, Stride: 2, Pad: 1}, 3, 60),
		{"maxpool2d " + pool.String(), []autograd.GradInput{variable(2, pool.In(), spread(2*pool.In(), 70)), weights(2, pool.Out(), 71)}, f},
		{"conv2d→tanh→maxpool2d", []autograd.GradInput{
			variable(2, block.In(), uniform(2*block.In(), 80, -1, 1)),
			variable(block.K, block.Patch(), uniform(block.K*block.Patch(), 81, -1, 1)),
			variable(1, block.K, uniform(block.K, 82, 0.5, 1)),
			weights(2, blockPool.Out(), 83),
		}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			y := g.Activation(backend.Activation{Kind: backend.Tanh}, g.Conv2D(block, v[0], v[1], v[2]))
			return project(g, g.MaxPool2D(blockPool, y), v[3])
		}},
	}
}

// spread returns n distinct values at least 0.05 apart in [−4, 4), shuffled
// by seed: a window's maximum stays its maximum under a step of 1e-3.
func spread(n int, seed uint64) []float32 {
	u := uniform(n, seed, 0, 1)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	// rank the draws: value i gets −4 + 8·rank/n, rank by u
	for i := 1; i < n; i++ {
		for j := i; j > 0 && u[idx[j]] < u[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]float32, n)
	for rank, i := range idx {
		out[i] = -4 + 8*float32(rank)/float32(n)
	}
	return out
}

// TestConvCrossBackend: the CNN block of the MNIST net (conv 3×3 stride 1,
// ReLU, max pool 2, conv 3×3 stride 2 padding 1, the cross-entropy of a
// linear read-out) gives the same loss and gradients for every input and
// parameter on each backend as on the CPU, within crossTol (float32 sums
// in other orders).
func TestConvCrossBackend(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		got, shapes := convCrossGraph(t, b)
		want, _ := convCrossGraph(t, ref)
		for j := range want {
			if msg := backendtest.Diff(shapes[j], got[j], backendtest.To64(want[j]), crossTol); msg != "" {
				t.Errorf("tensor %d (%v) on %s versus cpu: %s", j, shapes[j], b.Name(), msg)
			}
		}
	})
}

// convCrossGraph runs the block forward and backward on b and returns the
// loss and the gradients of x, both filters, both biases and the read-out.
func convCrossGraph(t *testing.T, b backend.Backend) ([][]float32, []backend.Shape) {
	t.Helper()
	const n = 3
	c1 := backend.Conv2D{C: 2, H: 11, W: 9, K: 4, KH: 3, KW: 3, Stride: 1}
	p1 := backend.Pool2D{C: 4, H: c1.OutH(), W: c1.OutW(), KH: 2, KW: 2, Stride: 2}
	c2 := backend.Conv2D{C: 4, H: p1.OutH(), W: p1.OutW(), K: 5, KH: 3, KW: 3, Stride: 2, Pad: 1}
	leaf := func(g *autograd.Graph, s backend.Shape, seed uint64) *autograd.Value {
		return g.Leaf(upload(t, b, s, uniform(s.Len(), seed, -1, 1)), true)
	}
	g := autograd.NewGraph(b)
	x := leaf(g, shp(n, c1.In()), 1)
	w1, b1 := leaf(g, shp(c1.K, c1.Patch()), 2), leaf(g, shp(1, c1.K), 3)
	w2, b2 := leaf(g, shp(c2.K, c2.Patch()), 4), leaf(g, shp(1, c2.K), 5)
	wo := leaf(g, shp(c2.Out(), 3), 6)
	y := g.Activation(backend.Activation{Kind: backend.ReLU}, g.Conv2D(c1, x, w1, b1))
	y = g.Conv2D(c2, g.MaxPool2D(p1, y), w2, b2)
	loss := g.SoftmaxCrossEntropy(g.MatMul(y, wo), g.Input(upload(t, b, shp(n, 1), []float32{0, 2, 1})))
	if err := g.Backward(loss); err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	var shapes []backend.Shape
	for _, v := range []backend.Tensor{loss.Tensor(), x.Grad(), w1.Grad(), b1.Grad(), w2.Grad(), b2.Grad(), wo.Grad()} {
		h, err := backend.ToHost(b, v)
		if err != nil {
			t.Fatal(err)
		}
		out, shapes = append(out, h), append(shapes, v.Shape())
	}
	return out, shapes
}
