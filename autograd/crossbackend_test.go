package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// crossTol compares a backend's values and gradients with the CPU
// reference's. The graph is a few dozen kernels deep, each within a few
// float32 ulps of the reference; 1e-5 is about a hundred ulps. The
// comparison is by norm, ‖got − want‖ ≤ 1e-5·‖want‖ per tensor, because
// elements that are sums of terms of both signs (the gradients especially)
// can be near zero, where elementwise relative error means nothing.
var crossTol = backendtest.Tol{RTol: 1e-5, Norm: true}

// crossResult is every tensor of crossGraph, downloaded, by name.
type crossResult struct {
	names  []string
	shapes []backend.Shape
	data   [][]float32
}

// crossGraph runs a two-layer network with activation act and all three
// losses, a weight penalty and a mean inside the objective, on b, and
// returns its values and gradients. The inputs are the same on every
// backend: they are drawn on the host from fixed seeds.
func crossGraph(t *testing.T, b backend.Backend, act backend.Activation) crossResult {
	param := func(name string, r, c int, seed uint64) *autograd.Value {
		p := autograd.NewParameter(b, name, upload(t, b, shp(r, c), uniform(r*c, seed, -1, 1)))
		t.Cleanup(func() { autograd.ReleaseGrad(p) })
		return p
	}
	w1, b1, w2, b2 := param("W1", 7, 5, 31), param("b1", 1, 7, 32), param("W2", 7, 4, 33), param("b2", 1, 4, 34)
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Leaf(upload(t, b, shp(6, 5), uniform(30, 35, -2, 2)), true)
	y := g.Input(upload(t, b, shp(6, 1), labels(6, 4, 36)))
	target := g.Input(upload(t, b, shp(6, 4), uniform(24, 37, -1, 1)))

	h := g.Activation(act, g.AddBias(g.MatMulT(backend.NoTrans, backend.Trans, x, w1), b1))
	s := g.AddBias(g.MatMul(h, w2), b2)
	loss := g.Add(g.SoftmaxCrossEntropy(s, y), g.Scale(0.5, g.MeanSquaredError(s, target)))
	loss = g.Add(loss, g.Scale(0.1, g.SVMHinge(s, y, 1)))
	loss = g.Add(loss, g.Add(g.Scale(1e-3, g.Sum(g.Mul(w2, w2))), g.Mean(h)))
	if err := g.Backward(loss); err != nil {
		t.Fatalf("%s: backward: %v", b.Name(), err)
	}
	var r crossResult
	for _, v := range []struct {
		name string
		t    backend.Tensor
	}{
		{"h", h.Tensor()}, {"scores", s.Tensor()}, {"loss", loss.Tensor()},
		{"∂x", x.Grad()}, {"∂W1", w1.Grad()}, {"∂b1", b1.Grad()}, {"∂W2", w2.Grad()}, {"∂b2", b2.Grad()},
	} {
		if v.t == nil {
			t.Fatalf("%s: %s is nil", b.Name(), v.name)
		}
		r.names = append(r.names, v.name)
		r.shapes = append(r.shapes, v.t.Shape())
		r.data = append(r.data, download(t, b, v.t))
	}
	return r
}

// TestCrossBackend runs the same graph on every registered backend other
// than "cpu" and on "cpu", and requires the same values and gradients.
func TestCrossBackend(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		for i, act := range activationCases() {
			t.Run(act.String(), func(t *testing.T) {
				got, want := crossGraph(t, b, act), crossGraph(t, ref, act)
				for j, name := range want.names {
					if d := backendtest.Diff(want.shapes[j], got.data[j], backendtest.To64(want.data[j]), crossTol); d != "" {
						t.Errorf("%d %s: %s on %s versus cpu: %s", i, act, name, b.Name(), d)
					}
				}
			})
		}
	})
}
