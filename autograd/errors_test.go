package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestErrors checks that bad graphs report errors from Err and Backward,
// naming the operation and the shapes, and never panic.
func TestErrors(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		other := autograd.NewGraph(b)
		foreign := other.Input(upload(t, b, shp(3, 4), make([]float32, 12)))
		for i, tc := range []struct {
			name    string
			f       func(g *autograd.Graph, a34, b52, l31 *autograd.Value) *autograd.Value
			want    error
			mention []string
		}{
			{"matmul inner dimensions", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value {
				return g.MatMul(a34, b52)
			}, backend.ErrShape, []string{"matmul", "3×4", "5×2"}},
			{"matmul transposed", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value {
				return g.MatMulT(backend.Trans, backend.Trans, a34, b52)
			}, backend.ErrShape, []string{"matmul", "4×3", "2×5"}},
			{"add", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value { return g.Add(a34, b52) },
				backend.ErrShape, []string{"add", "3×4", "5×2"}},
			{"sub", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value { return g.Sub(a34, b52) },
				backend.ErrShape, []string{"sub", "3×4", "5×2"}},
			{"mul", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value { return g.Mul(b52, a34) },
				backend.ErrShape, []string{"mul", "3×4", "5×2"}},
			{"add bias", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value { return g.AddBias(a34, b52) },
				backend.ErrShape, []string{"add bias", "3×4", "5×2"}},
			{"cross-entropy labels", func(g *autograd.Graph, _, b52, l31 *autograd.Value) *autograd.Value {
				return g.SoftmaxCrossEntropy(b52, l31)
			}, backend.ErrShape, []string{"softmax cross-entropy", "5×2", "3×1"}},
			{"hinge labels", func(g *autograd.Graph, _, b52, l31 *autograd.Value) *autograd.Value {
				return g.SVMHinge(b52, l31, 1)
			}, backend.ErrShape, []string{"svm hinge", "5×2", "3×1"}},
			{"hinge margin", func(g *autograd.Graph, a34, _, l31 *autograd.Value) *autograd.Value {
				return g.SVMHinge(a34, l31, -1)
			}, backend.ErrInvalidArgument, []string{"svm hinge", "margin"}},
			{"mean squared error", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value {
				return g.MeanSquaredError(a34, b52)
			}, backend.ErrShape, []string{"mean squared error", "3×4", "5×2"}},
			{"activation kind", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				return g.Activation(backend.Activation{Kind: 200}, a34)
			}, backend.ErrInvalidArgument, []string{"activation"}},
			{"backward of a matrix", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				g.Backward(g.Scale(2, a34))
				return nil
			}, backend.ErrShape, []string{"backward", "3×4", "1×1"}},
			{"backward of a constant", func(g *autograd.Graph, _, _, l31 *autograd.Value) *autograd.Value {
				g.Backward(g.Sum(l31))
				return nil
			}, backend.ErrInvalidArgument, []string{"backward", "gradient"}},
			{"nil input", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value { return g.MatMul(a34, nil) },
				backend.ErrInvalidArgument, []string{"matmul", "nil"}},
			{"nil unary input", func(g *autograd.Graph, _, _, _ *autograd.Value) *autograd.Value {
				return g.Activation(backend.Activation{Kind: backend.ReLU}, nil)
			}, backend.ErrInvalidArgument, []string{"relu", "nil"}},
			{"nil loss", func(g *autograd.Graph, _, _, _ *autograd.Value) *autograd.Value { g.Backward(nil); return nil },
				backend.ErrInvalidArgument, []string{"backward", "nil"}},
			{"nil tensor", func(g *autograd.Graph, _, _, _ *autograd.Value) *autograd.Value { return g.Input(nil) },
				backend.ErrInvalidArgument, []string{"nil tensor"}},
			{"nil parameter tensor", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				return g.Add(a34, autograd.NewParameter(b, "w", nil))
			}, backend.ErrInvalidArgument, []string{"add", "w", "no tensor"}},
			{"another graph's value", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				return g.Add(a34, foreign)
			}, backend.ErrForeign, []string{"add", "another graph"}},
			{"another backend's parameter", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				return g.Add(a34, autograd.NewParameter(newNullBackend(), "w", foreign.Tensor()))
			}, backend.ErrForeign, []string{"add", "w", "another backend"}},
			{"a failed value after Reset", func(g *autograd.Graph, a34, b52, _ *autograd.Value) *autograd.Value {
				bad := g.Add(a34, b52)
				g.Reset()
				return g.Scale(2, bad)
			}, backend.ErrInvalidArgument, []string{"scale", "failed operation"}},
			{"a value after Reset", func(g *autograd.Graph, a34, _, _ *autograd.Value) *autograd.Value {
				v := g.Scale(2, a34)
				g.Reset()
				return g.Scale(2, v)
			}, backend.ErrInvalidArgument, []string{"scale", "released by Reset"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				g := autograd.NewGraph(b)
				defer g.Reset()
				a34 := autograd.NewParameter(b, "a", upload(t, b, shp(3, 4), make([]float32, 12)))
				b52 := g.Leaf(upload(t, b, shp(5, 2), make([]float32, 10)), true)
				l31 := g.Input(upload(t, b, shp(3, 1), make([]float32, 3)))
				defer autograd.ReleaseGrad(a34)
				var out *autograd.Value
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%d %s: panicked: %v", i, tc.name, r)
						}
					}()
					out = tc.f(g, a34, b52, l31)
				}()
				err := g.Err()
				if !errors.Is(err, tc.want) {
					t.Fatalf("%d %s: Err() = %v, want %v", i, tc.name, err, tc.want)
				}
				for _, m := range tc.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("%d %s: error %q does not mention %q", i, tc.name, err, m)
					}
				}
				if out != nil && out.Tensor() != nil {
					t.Errorf("%d %s: the failed operation returned a value with a tensor", i, tc.name)
				}
				// Sticky: later operations are placeholders and Backward reports the first error.
				if v := g.Sum(a34); v.Tensor() != nil {
					t.Errorf("%d %s: an operation after the error dispatched", i, tc.name)
				}
				if berr := g.Backward(g.Sum(a34)); berr != err {
					t.Errorf("%d %s: Backward returned %v, want the first error %v", i, tc.name, berr, err)
				}
			})
		}
	})
}

// TestErrorRecovery checks that Reset clears a recorded error and that a
// graph on a nil backend fails without panicking.
func TestErrorRecovery(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		g := autograd.NewGraph(b)
		x := g.Leaf(upload(t, b, shp(2, 3), []float32{1, 2, 3, 4, 5, 6}), true)
		g.MatMul(x, x)
		if g.Err() == nil {
			t.Fatal("matmul 2×3 · 2×3 did not fail")
		}
		g.Reset()
		if g.Err() != nil {
			t.Fatalf("Err after Reset: %v", g.Err())
		}
		x = g.Leaf(upload(t, b, shp(2, 3), []float32{1, 2, 3, 4, 5, 6}), true)
		if err := g.Backward(g.Sum(x)); err != nil {
			t.Fatalf("after Reset: %v", err)
		}
		g.Reset()
	})
	g := autograd.NewGraph(nil)
	if v := g.Input(nil); v.Tensor() != nil || g.Err() == nil {
		t.Errorf("graph on a nil backend: value %v, error %v", v.Tensor(), g.Err())
	}
	if err := g.Backward(g.Sum(nil)); err == nil {
		t.Errorf("Backward on a nil backend: no error")
	}
	if err := g.Reset(); err != nil {
		t.Errorf("Reset on a nil backend: %v", err)
	}
}
