package autograd_test

import (
	"gltrain/autograd"
	"gltrain/backend"
)

// elementwiseCases cover Add, Sub, Mul, Scale, AddBias, Sum and Mean, and
// values used more than once, where a gradient that is overwritten instead
// of summed shows.
func elementwiseCases() []gradCase {
	a, b := uniform(12, 10, -1, 1), uniform(12, 11, -1, 1)
	two := []autograd.GradInput{variable(3, 4, a), variable(3, 4, b), weights(3, 4, 12)}
	one := []autograd.GradInput{variable(3, 4, a), weights(3, 4, 12)}
	type fn = func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
	binary := func(op func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value) fn {
		return func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, op(g, v[0], v[1]), v[2])
		}
	}
	return []gradCase{
		{"add", two, binary((*autograd.Graph).Add)},
		{"sub", two, binary((*autograd.Graph).Sub)},
		{"mul", two, binary((*autograd.Graph).Mul)},
		{"scale", one, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Scale(-2.5, v[0]), v[1])
		}},
		{"add bias", []autograd.GradInput{variable(3, 4, a), variable(1, 4, b[:4]), weights(3, 4, 12)},
			binary((*autograd.Graph).AddBias)},
		{"sum", one[:1], func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Sum(g.Mul(v[0], v[0])) }},
		{"mean", one[:1], func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Mean(g.Mul(v[0], v[0])) }},
		// Reused values: z⊙z, and x in two branches that meet again.
		{"z⊙z", one, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Mul(v[0], v[0]), v[1])
		}},
		{"x in two branches", two, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			x, y := v[0], v[1]
			left := g.Activation(backend.Activation{Kind: backend.Tanh}, g.Mul(x, y))
			right := g.Scale(0.5, g.Add(x, y))
			return project(g, g.Sub(left, right), v[2])
		}},
		// Sums and means used as upstream gradients that are not the seed.
		{"sum·mean", two[:2], func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return g.Mul(g.Sum(v[0]), g.Mean(g.Mul(v[1], v[1])))
		}},
	}
}

// lossCases cover the three losses, as the loss and inside a bigger
// expression, where their upstream gradient is not the seed 1.
func lossCases() []gradCase {
	logits := variable(4, 5, uniform(20, 20, -2, 2))
	lab := constant(4, 1, labels(4, 5, 21))
	scores := variable(4, 5, hingeScores(4, 5, 22))
	pred, target := variable(3, 4, uniform(12, 23, -1, 1)), variable(3, 4, uniform(12, 24, -1, 1))
	x, w := variable(4, 3, uniform(12, 25, -1, 1)), variable(3, 5, uniform(15, 26, -1, 1))
	return []gradCase{
		{"softmax cross-entropy", []autograd.GradInput{logits, lab}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return g.SoftmaxCrossEntropy(v[0], v[1])
		}},
		{"mean squared error", []autograd.GradInput{pred, target}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return g.MeanSquaredError(v[0], v[1])
		}},
		{"svm hinge", []autograd.GradInput{scores, lab}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return g.SVMHinge(v[0], v[1], 1)
		}},
		// 0.5·loss + λ·Σ W⊙W: the loss's upstream gradient is 0.5.
		{"regularised cross-entropy", []autograd.GradInput{x, w, lab}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			loss := g.SoftmaxCrossEntropy(g.MatMul(v[0], v[1]), v[2])
			return g.Add(g.Scale(0.5, loss), g.Scale(0.1, g.Sum(g.Mul(v[1], v[1]))))
		}},
		// loss², whose upstream gradient 2·loss is a tensor, for each loss.
		{"cross-entropy squared", []autograd.GradInput{logits, lab}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			l := g.SoftmaxCrossEntropy(v[0], v[1])
			return g.Mul(l, l)
		}},
		{"mean squared error squared", []autograd.GradInput{pred, target}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			l := g.MeanSquaredError(v[0], v[1])
			return g.Mul(l, l)
		}},
		{"svm hinge squared", []autograd.GradInput{scores, lab}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			l := g.SVMHinge(v[0], v[1], 1)
			return g.Mul(l, l)
		}},
		// A two-layer network: matmul, bias, tanh, matmul, bias, cross-entropy.
		{"mlp", []autograd.GradInput{x, w, variable(1, 5, uniform(5, 27, -1, 1)),
			variable(5, 5, uniform(25, 28, -1, 1)), variable(1, 5, uniform(5, 29, -1, 1)), lab},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				h := g.Activation(backend.Activation{Kind: backend.Tanh}, g.AddBias(g.MatMul(v[0], v[1]), v[2]))
				return g.SoftmaxCrossEntropy(g.AddBias(g.MatMul(h, v[3]), v[4]), v[5])
			}},
	}
}

// hingeScores returns scores (batch×classes) for the labels of lossCases
// (seed 21) whose margins s_j − s_label + 1 all lie at least 0.2 from the
// hinge's kink at 0, so that no finite-difference step crosses it: it draws
// from successive seeds until one fits.
func hingeScores(batch, classes int, seed uint64) []float32 {
	lab := labels(batch, classes, 21)
	for ; ; seed += 1000 {
		s := uniform(batch*classes, seed, -2, 2)
		ok := true
		for i := 0; i < batch; i++ {
			y := int(lab[i])
			for j := 0; j < classes; j++ {
				if d := s[i*classes+j] - s[i*classes+y] + 1; j != y && d > -0.2 && d < 0.2 {
					ok = false
				}
			}
		}
		if ok {
			return s
		}
	}
}
