package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestUnaryEntryPoints: each of Exp … Clamp is its table row through the
// Activation node, on every backend: the values are the row's float64
// reference rounded to float32 (within 1e-5 relative, the kernels' bar,
// backendtest's activationForwardTol), and the gradient of Σ f(x) is
// f'(x) (likewise, relative to |f'| + 0.05 as activationBackwardTol).
// The gradients' correctness against finite differences is
// TestGradients' (primitiveCases); here the names must pick the rows.
func TestUnaryEntryPoints(t *testing.T) {
	x := []float32{0.25, 1.5, 3, 0.75, 2, 0.5}
	for i, tc := range []struct {
		f  backend.Activation
		op func(g *autograd.Graph, v *autograd.Value) *autograd.Value
	}{
		{backend.Activation{Kind: backend.Exp}, (*autograd.Graph).Exp},
		{backend.Activation{Kind: backend.Log}, (*autograd.Graph).Log},
		{backend.Activation{Kind: backend.Sqrt}, (*autograd.Graph).Sqrt},
		{backend.Activation{Kind: backend.Rsqrt}, (*autograd.Graph).Rsqrt},
		{backend.Activation{Kind: backend.Reciprocal}, (*autograd.Graph).Reciprocal},
		{backend.Activation{Kind: backend.Abs}, (*autograd.Graph).Abs},
		{backend.Activation{Kind: backend.Square}, (*autograd.Graph).Square},
		{backend.Activation{Kind: backend.Pow, Params: [2]float32{-1.5}},
			func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Pow(v, -1.5) }},
		{backend.Activation{Kind: backend.Pow}, // 0 is an exponent, not a default
			func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Pow(v, 0) }},
		{backend.Activation{Kind: backend.Clamp, Params: [2]float32{0.5, 2}},
			func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Clamp(v, 0.5, 2) }},
	} {
		t.Run(tc.f.String(), func(t *testing.T) {
			backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
				g := autograd.NewGraph(b)
				defer g.Reset()
				v := g.Leaf(upload(t, b, shp(2, 3), x), true)
				y := tc.op(g, v)
				if err := g.Backward(g.Sum(y)); err != nil {
					t.Fatalf("%d %v: %v", i, tc.f, err)
				}
				d, p := tc.f.Kind.Def(), tc.f.Float64()
				gotY, gotDx := download(t, b, y.Tensor()), download(t, b, v.Grad())
				for j, xj := range x {
					wantY, wantDx := float64(float32(d.F(float64(xj), p))), d.DF(float64(xj), p)
					if math.Abs(float64(gotY[j])-wantY) > 1e-5*math.Abs(wantY) {
						t.Errorf("%d %v(%g) = %g, want %g", i, tc.f, xj, gotY[j], wantY)
					}
					if math.Abs(float64(gotDx[j])-wantDx) > 1e-5*(math.Abs(wantDx)+0.05) {
						t.Errorf("%d %v'(%g) = %g, want %g", i, tc.f, xj, gotDx[j], wantDx)
					}
				}
			})
		})
	}
}

// TestUnaryBadParameters: a non-finite exponent or bound, or clamp's lo
// above hi, records an error naming the setting and wrapping
// backend.ErrInvalidArgument, and later operations do nothing.
func TestUnaryBadParameters(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	inf := float32(math.Inf(1))
	for i, tc := range []struct {
		op   func(g *autograd.Graph, v *autograd.Value) *autograd.Value
		want string
	}{
		{func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Clamp(v, 2, 1) }, "clamp:2:1: lo 2 > hi 1"},
		{func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Clamp(v, -inf, 1) }, "clamp parameter -Inf: want a finite number"},
		{func(g *autograd.Graph, v *autograd.Value) *autograd.Value { return g.Pow(v, inf) }, "pow parameter +Inf: want a finite number"},
	} {
		g := autograd.NewGraph(b)
		v := g.Leaf(upload(t, b, shp(1, 2), []float32{1, 2}), true)
		if y := tc.op(g, v); y.Tensor() != nil {
			t.Errorf("%d: a value with a tensor", i)
		}
		err := g.Err()
		if !errors.Is(err, backend.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q and wrapping ErrInvalidArgument", i, err, tc.want)
		}
		g.Reset()
	}
}
