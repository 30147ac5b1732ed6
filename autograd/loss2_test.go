package autograd_test

import (
	"errors"
	"math"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// awayFromKinks returns n values of pred − target draws (seed) whose
// differences d = pred − target keep at least 0.1 from each kink of the
// L1 and Huber losses (0, ±0.5, ±1), so that no finite-difference step
// (h = 1e-2) crosses one; it redraws a target element until it fits.
func awayFromKinks(pred []float32, seed uint64) []float32 {
	target := uniform(len(pred), seed, -2, 2)
	for i := range target {
		for s := seed; ; s += 1000 {
			d := math.Abs(float64(pred[i] - target[i]))
			if math.Abs(d) > 0.1 && math.Abs(d-0.5) > 0.1 && math.Abs(d-1) > 0.1 {
				break
			}
			target[i] = uniform(1, s+uint64(i), -2, 2)[0]
		}
	}
	return target
}

// regressionLossCases cover L1Loss, HuberLoss (delta 1 and 0.5) and
// BCEWithLogits as the loss (upstream gradient the seed) and squared
// (upstream 2·loss, a tensor), with gradients into the targets of L1 and
// Huber, and multi-column (3×4) predictions.
func regressionLossCases() []gradCase {
	p := uniform(12, 41, -2, 2)
	pred, target := variable(3, 4, p), variable(3, 4, awayFromKinks(p, 42))
	logits, probs := variable(3, 4, uniform(12, 43, -3, 3)), constant(3, 4, uniform(12, 44, 0, 1))
	type lossFn = func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value
	losses := []struct {
		name string
		in   []autograd.GradInput
		f    lossFn
	}{
		{"l1", []autograd.GradInput{pred, target}, (*autograd.Graph).L1Loss},
		{"huber delta 1", []autograd.GradInput{pred, target}, func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value {
			return g.HuberLoss(a, b, 1)
		}},
		{"huber delta 0.5", []autograd.GradInput{pred, target}, func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value {
			return g.HuberLoss(a, b, 0.5)
		}},
		{"bce with logits", []autograd.GradInput{logits, probs}, (*autograd.Graph).BCEWithLogits},
	}
	var cases []gradCase
	for _, l := range losses {
		f := l.f
		cases = append(cases, gradCase{l.name, l.in, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return f(g, v[0], v[1])
		}}, gradCase{l.name + " squared", l.in, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			x := f(g, v[0], v[1])
			return g.Mul(x, x)
		}})
	}
	return cases
}

// TestRegressionLossGradients checks the losses' backward steps against
// centred finite differences on every backend, within gradTol. L1 and
// Huber are piecewise linear or quadratic away from their kinks (which the
// inputs avoid), so only f's float32 rounding remains; BCE is smooth.
func TestRegressionLossGradients(t *testing.T) {
	checkGradCases(t, regressionLossCases)
}

// TestRegressionLossErrors checks that a bad Huber delta and targets of
// another shape are the graph's errors, naming the loss.
func TestRegressionLossErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		name string
		f    func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value
		want error
	}{
		{"huber delta 0", func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value { return g.HuberLoss(a, a, 0) }, backend.ErrInvalidArgument},
		{"l1 shapes", (*autograd.Graph).L1Loss, backend.ErrShape},
		{"bce shapes", (*autograd.Graph).BCEWithLogits, backend.ErrShape},
	} {
		g := autograd.NewGraph(b)
		a := g.Leaf(upload(t, b, shp(3, 4), uniform(12, 1, -1, 1)), true)
		y := g.Input(upload(t, b, shp(3, 2), uniform(6, 2, 0, 1)))
		tc.f(g, a, y)
		if err := g.Err(); !errors.Is(err, tc.want) {
			t.Errorf("%d %s: err %v, want %v", i, tc.name, err, tc.want)
		}
		g.Reset()
	}
}
