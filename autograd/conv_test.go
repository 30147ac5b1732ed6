package autograd_test

import (
	"gltrain/autograd"
	"gltrain/backend"
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
