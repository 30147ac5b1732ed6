package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// posWeightCases cover BCEWithLogitsPosWeight on probability targets, with
// weights below and above 1, as the loss and squared (its upstream
// gradient then not the seed).
func posWeightCases() []gradCase {
	in := []autograd.GradInput{variable(4, 3, uniform(12, 140, -2, 2)), constant(4, 3, uniform(12, 141, 0, 1)),
		constant(1, 3, []float32{0.3, 1, 4})}
	f := func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
		return g.BCEWithLogitsPosWeight(v[0], v[1], v[2])
	}
	return []gradCase{
		{"bce pos_weight", in, f},
		{"bce pos_weight squared", in, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			l := f(g, v)
			return g.Mul(l, l)
		}},
	}
}

// TestBCEPosWeightGradients checks the backward step against centred
// finite differences on every backend, within gradTol (a smooth loss, as
// BCEWithLogits).
func TestBCEPosWeightGradients(t *testing.T) {
	checkGradCases(t, posWeightCases)
}

// TestBCEPosWeightOnesIsPlain: with every pos_weight 1 it is
// BCEWithLogits, value and gradient, to float32 rounding (1e-6 relative,
// 1e-7 absolute for near-zero gradient elements); and a second Backward
// of one graph, which runs the kernel again for the gradient it gave
// away, adds the same gradient once more.
func TestBCEPosWeightOnesIsPlain(t *testing.T) {
	b := cpu.New()
	x := upload(t, b, shp(4, 3), uniform(12, 142, -2, 2))
	y := upload(t, b, shp(4, 3), uniform(12, 143, 0, 1))
	ones := upload(t, b, shp(1, 3), []float32{1, 1, 1})
	run := func(weighted bool, passes int) ([]float32, []float32) {
		g := autograd.NewGraph(b)
		defer g.Reset()
		lv := g.Leaf(x, true)
		l := g.BCEWithLogits(lv, g.Input(y))
		if weighted {
			l = g.BCEWithLogitsPosWeight(lv, g.Input(y), g.Input(ones))
		}
		for range passes {
			if err := g.Backward(l); err != nil {
				t.Fatal(err)
			}
		}
		lh, err := backend.ToHost(b, l.Tensor())
		if err != nil {
			t.Fatal(err)
		}
		gh, err := backend.ToHost(b, lv.Grad())
		if err != nil {
			t.Fatal(err)
		}
		return lh, gh
	}
	pl, pg := run(false, 1)
	wl, wg := run(true, 1)
	tol := backendtest.Tol{RTol: 1e-6, ATol: 1e-7}
	if msg := backendtest.Diff(shp(1, 1), wl, backendtest.To64(pl), tol); msg != "" {
		t.Errorf("loss: %s", msg)
	}
	if msg := backendtest.Diff(shp(4, 3), wg, backendtest.To64(pg), tol); msg != "" {
		t.Errorf("gradient: %s", msg)
	}
	_, twice := run(true, 2)
	for i := range wg {
		if d := math.Abs(float64(twice[i]) - 2*float64(wg[i])); d > 1e-6*math.Abs(2*float64(wg[i])) {
			t.Errorf("second Backward: gradient[%d] = %g, want %g", i, twice[i], 2*wg[i])
		}
	}
}

// TestBCEPosWeightErrors: a pos_weight that is not 1×columns is an error
// naming the op and the shapes, on every backend; a backend without
// PosWeightedBCE gives ErrUnsupported.
func TestBCEPosWeightErrors(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		g := autograd.NewGraph(b)
		defer g.Reset()
		x := g.Leaf(upload(t, b, shp(2, 3), make([]float32, 6)), true)
		g.BCEWithLogitsPosWeight(x, g.Input(upload(t, b, shp(2, 3), make([]float32, 6))), g.Input(upload(t, b, shp(1, 2), []float32{1, 2})))
		err := g.Err()
		if !errors.Is(err, backend.ErrShape) || !strings.Contains(err.Error(), "pos_weight") || !strings.Contains(err.Error(), "1×2") {
			t.Errorf("pos_weight 1×2 for 3 columns: error %v", err)
		}
	})
	b := newNullBackend()
	g := autograd.NewGraph(b)
	xt, _ := b.New(shp(1, 1))
	x := g.Leaf(xt, true)
	g.BCEWithLogitsPosWeight(x, x, x)
	if err := g.Err(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("null backend: error %v, want ErrUnsupported", err)
	}
}
