package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// scalarLeaves makes 1×1 leaves holding vals, as parameters or as graph
// leaves that require a gradient.
func scalarLeaves(t *testing.T, b backend.Backend, g *autograd.Graph, params bool, vals ...float32) []*autograd.Value {
	out := make([]*autograd.Value, len(vals))
	for i, v := range vals {
		x := upload(t, b, shp(1, 1), []float32{v})
		if params {
			out[i] = autograd.NewParameter(b, string(rune('a'+i)), x)
			t.Cleanup(func() { autograd.ReleaseGrad(out[i]) })
		} else {
			out[i] = g.Leaf(x, true)
		}
	}
	return out
}

// TestScalarGraphs checks small 1×1 graphs against hand-computed values and
// gradients, exactly: every value is a small integer, which float32
// represents and sums without rounding.
func TestScalarGraphs(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for i, tc := range []struct {
			name  string
			in    []float32
			f     func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
			value float32
			grads []float32
		}{
			// The course notes' worked example: f = z·(x + y).
			{"z·(x+y)", []float32{-2, 5, -4},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Mul(v[2], g.Add(v[0], v[1])) },
				-12, []float32{-4, -4, 3}},
			// z·z: both inputs of the multiply are z, so z receives z twice.
			{"z·z", []float32{3},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Mul(v[0], v[0]) },
				9, []float32{6}},
			// x + x: both shares of the add land on x.
			{"x+x", []float32{3},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Add(v[0], v[0]) },
				6, []float32{2}},
			// x − x is constant.
			{"x−x", []float32{3},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Sub(v[0], v[0]) },
				0, []float32{0}},
			// x in two branches: f = x·y + 3x, ∂f/∂x = y + 3, ∂f/∂y = x.
			{"x·y+3x", []float32{2, 5},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
					return g.Add(g.Mul(v[0], v[1]), g.Scale(3, v[0]))
				},
				16, []float32{8, 2}},
			// A shared intermediate: q = x + y used twice, f = q·q − q.
			{"q·q−q", []float32{1, 2},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
					q := g.Add(v[0], v[1])
					return g.Sub(g.Mul(q, q), q)
				},
				6, []float32{5, 5}},
			// The loss is a leaf: its gradient is 1.
			{"leaf", []float32{7},
				func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return v[0] },
				7, []float32{1}},
		} {
			for _, params := range []bool{true, false} {
				name := tc.name + "/leaves"
				if params {
					name = tc.name + "/parameters"
				}
				t.Run(name, func(t *testing.T) {
					g := autograd.NewGraph(b)
					defer g.Reset()
					v := scalarLeaves(t, b, g, params, tc.in...)
					f := tc.f(g, v)
					if err := g.Backward(f); err != nil {
						t.Fatalf("%d %s: backward: %v", i, tc.name, err)
					}
					if f.Shape() != shp(1, 1) || g.Backend() != b {
						t.Errorf("%d %s: shape %v, backend %v", i, tc.name, f.Shape(), g.Backend())
					}
					if got := scalar(t, b, f.Tensor()); got != tc.value {
						t.Errorf("%d %s: f = %v, want %v", i, tc.name, got, tc.value)
					}
					for j, want := range tc.grads {
						if got := scalar(t, b, v[j].Grad()); got != want {
							t.Errorf("%d %s: ∂f/∂%s = %v, want %v", i, tc.name, v[j].Name(), got, want)
						}
					}
				})
			}
		}
	})
}

// TestAccumulation checks PyTorch's semantics for parameters: gradients add
// up over Backward calls and over graphs until ZeroGrad, which makes the
// next Backward overwrite them and Grad report nil meanwhile; intermediate
// gradients are gone after Backward.
func TestAccumulation(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		x := autograd.NewParameter(b, "x", upload(t, b, shp(1, 1), []float32{3}))
		defer autograd.ReleaseGrad(x)
		step := func(g *autograd.Graph) *autograd.Value {
			sq := g.Mul(x, x) // ∂/∂x = 2x = 6
			if err := g.Backward(sq); err != nil {
				t.Fatal(err)
			}
			return sq
		}
		g := autograd.NewGraph(b)
		sq := step(g)
		if sq.Grad() != nil {
			t.Errorf("an intermediate node kept its gradient after Backward")
		}
		if got := scalar(t, b, x.Grad()); got != 6 {
			t.Errorf("after one Backward: grad %v, want 6", got)
		}
		if err := g.Backward(sq); err != nil { // the same graph again
			t.Fatal(err)
		}
		if got := scalar(t, b, x.Grad()); got != 12 {
			t.Errorf("after a second Backward of the same graph: grad %v, want 12", got)
		}
		g.Reset()
		step(g) // a new graph's Backward adds too
		if got := scalar(t, b, x.Grad()); got != 18 {
			t.Errorf("after a third Backward: grad %v, want 18", got)
		}
		g.Reset()
		autograd.ZeroGrad(x)
		if x.Grad() != nil {
			t.Errorf("Grad after ZeroGrad is %v, want nil", x.Grad())
		}
		step(g)
		if got := scalar(t, b, x.Grad()); got != 6 {
			t.Errorf("after ZeroGrad and Backward: grad %v, want 6 (the stale 18 must be overwritten)", got)
		}
		g.Reset()
	})
}
