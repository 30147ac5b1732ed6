package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend/backendtest"
)

// weightedCECases cover SoftmaxCrossEntropyWeighted with and without class
// weights and smoothing, as the loss and squared (upstream gradient not
// the seed).
func weightedCECases() []gradCase {
	logits := variable(4, 5, uniform(20, 51, -2, 2))
	lab := constant(4, 1, labels(4, 5, 52))
	w := constant(1, 5, uniform(5, 53, 0.2, 3))
	var cases []gradCase
	for _, st := range []struct {
		name     string
		weighted bool
		eps      float32
	}{{"plain", false, 0}, {"weights", true, 0}, {"smoothing 0.1", false, 0.1}, {"weights, smoothing 0.2", true, 0.2}} {
		st := st
		f := func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			var weight *autograd.Value
			if st.weighted {
				weight = v[2]
			}
			return g.SoftmaxCrossEntropyWeighted(v[0], v[1], weight, st.eps)
		}
		in := []autograd.GradInput{logits, lab, w}
		cases = append(cases, gradCase{"weighted cross-entropy, " + st.name, in, f},
			gradCase{"weighted cross-entropy squared, " + st.name, in, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				l := f(g, v)
				return g.Mul(l, l)
			}})
	}
	return cases
}

// TestWeightedCrossEntropyGradients checks the backward step against
// centred finite differences on every backend, within gradTol (the loss is
// smooth, as SoftmaxCrossEntropy, which measures 1e-4–1e-3).
func TestWeightedCrossEntropyGradients(t *testing.T) {
	checkGradCases(t, weightedCECases)
}

// TestWeightedCrossEntropyIsPlainWithoutOptions: without weights and
// smoothing it is SoftmaxCrossEntropy, value and gradient, to float32
// rounding (the kernels round differently: 1e-6 relative, 1e-7 absolute
// for near-zero gradient elements).
func TestWeightedCrossEntropyIsPlainWithoutOptions(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	x := upload(t, b, shp(4, 5), uniform(20, 61, -2, 2))
	y := upload(t, b, shp(4, 1), labels(4, 5, 62))
	run := func(weighted bool) ([]float32, []float32) {
		g := autograd.NewGraph(b)
		defer g.Reset()
		lv := g.Leaf(x, true)
		l := g.SoftmaxCrossEntropy(lv, g.Input(y))
		if weighted {
			l = g.SoftmaxCrossEntropyWeighted(lv, g.Input(y), nil, 0)
		}
		if err := g.Backward(l); err != nil {
			t.Fatal(err)
		}
		return download(t, b, l.Tensor()), download(t, b, lv.Grad())
	}
	wl, wg := run(true)
	pl, pg := run(false)
	if d := backendtest.Diff(shp(1, 1), wl, widen(pl), backendtest.Tol{RTol: 1e-6}); d != "" {
		t.Errorf("loss: %s", d)
	}
	if d := backendtest.Diff(shp(4, 5), wg, widen(pg), backendtest.Tol{ATol: 1e-7, RTol: 1e-6}); d != "" {
		t.Errorf("gradient: %s", d)
	}
}

// TestWeightedCrossEntropyBackwardTwice: a second Backward of the same
// graph runs the kernel again, with the node's weights and smoothing, and
// adds the same gradient to the weights once more (1e-6 relative: the
// second pass adds inside the product, as TestLossBackwardTwice says).
func TestWeightedCrossEntropyBackwardTwice(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	x := upload(t, b, shp(4, 3), uniform(12, 71, -1, 1))
	w := autograd.NewParameter(b, "w", upload(t, b, shp(3, 5), uniform(15, 72, -1, 1)))
	t.Cleanup(func() { autograd.ReleaseGrad(w) })
	cw := upload(t, b, shp(1, 5), uniform(5, 73, 0.2, 3))
	y := upload(t, b, shp(4, 1), labels(4, 5, 74))
	g := autograd.NewGraph(b)
	defer g.Reset()
	l := g.SoftmaxCrossEntropyWeighted(g.MatMul(g.Input(x), w), g.Input(y), g.Input(cw), 0.2)
	if err := g.Backward(l); err != nil {
		t.Fatal(err)
	}
	once := download(t, b, w.Grad())
	if err := g.Backward(l); err != nil {
		t.Fatal(err)
	}
	twice := download(t, b, w.Grad())
	want := widen(once)
	for i := range want {
		want[i] *= 2
	}
	if d := backendtest.Diff(shp(3, 5), twice, want, backendtest.Tol{RTol: 1e-6}); d != "" {
		t.Errorf("second Backward: %s", d)
	}
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
