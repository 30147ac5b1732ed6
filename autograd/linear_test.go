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

// unfusedLinear hides a backend's optional interfaces, LinearFuser among
// them, so that Graph.Linear takes its unfused path on it.
type unfusedLinear struct{ backend.Backend }

// linearInputs returns x (batch×in), W (in×out) and b (1×out) in [−1, 1)
// whose pre-activations x·W + b all lie at least 0.1 from 0, the kink of
// ReLU and its kin: a finite-difference step moves an element of x, W or b
// by at most 1e-2·max(|v|, 1) ≤ 1e-2, and z by no more than that, so no step
// crosses the kink. It draws from successive seeds until one fits.
func linearInputs(batch, in, out int, seed uint64) (x, w, b []float32) {
	for ; ; seed += 1000 {
		x, w, b = uniform(batch*in, seed, -1, 1), uniform(in*out, seed+1, -1, 1), uniform(out, seed+2, -1, 1)
		ok := true
		for i := 0; i < batch && ok; i++ {
			for j := 0; j < out; j++ {
				z := float64(b[j])
				for l := 0; l < in; l++ {
					z += float64(x[i*in+l]) * float64(w[l*out+j])
				}
				if math.Abs(z) < 0.1 {
					ok = false
					break
				}
			}
		}
		if ok {
			return x, w, b
		}
	}
}

// linearCases check Graph.Linear's backward step: every activation, no bias,
// values that are two of x, W and b at once (whose gradients sum shares of
// both passes), a weight shared by two layers, a layer whose 1×1 output is
// the loss itself, and a two-layer classifier.
func linearCases() []gradCase {
	tanh, gelu := backend.Activation{Kind: backend.Tanh}, backend.Activation{Kind: backend.GELU}
	x, w, b := linearInputs(4, 3, 5, 50)
	layer := []autograd.GradInput{variable(4, 3, x), variable(3, 5, w), variable(1, 5, b), weights(4, 5, 51)}
	var cases []gradCase
	for _, act := range activationCases() {
		cases = append(cases, gradCase{"linear/" + act.String(), layer, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Linear(v[0], v[1], v[2], act), v[3])
		}})
	}
	sq := variable(3, 3, uniform(9, 52, -1, 1))
	x1, w1, _ := linearInputs(4, 1, 5, 53)
	x2, w2, b2 := linearInputs(6, 5, 7, 55)
	lab := constant(6, 1, labels(6, 7, 56))
	return append(cases,
		gradCase{"linear/no bias", []autograd.GradInput{layer[0], layer[1], layer[3]}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Linear(v[0], v[1], nil, tanh), v[2])
		}},
		gradCase{"linear/x as x and W", []autograd.GradInput{sq, variable(1, 3, b[:3]), weights(3, 3, 57)}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Linear(v[0], v[0], v[1], tanh), v[2])
		}},
		gradCase{"linear/W as W and b", []autograd.GradInput{variable(4, 1, x1), variable(1, 5, w1), weights(4, 5, 58)}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Linear(v[0], v[1], v[1], gelu), v[2])
		}},
		gradCase{"linear/b as x and b", []autograd.GradInput{variable(1, 3, b[:3]), variable(3, 3, uniform(9, 59, -1, 1)), weights(1, 3, 60)}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Linear(v[0], v[1], v[0], tanh), v[2])
		}},
		gradCase{"linear/W shared by two layers", []autograd.GradInput{variable(3, 3, uniform(9, 61, -1, 1)), sq, variable(1, 3, b[:3]), variable(1, 3, b[2:]), weights(3, 3, 62)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				h := g.Linear(v[0], v[1], v[2], tanh)
				return project(g, g.Linear(h, v[1], v[3], backend.Activation{}), v[4])
			}},
		gradCase{"linear/1×1 output as the loss", []autograd.GradInput{variable(1, 3, x[:3]), variable(3, 1, w[:3]), variable(1, 1, b[:1])},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Linear(v[0], v[1], v[2], backend.Activation{Kind: backend.Sigmoid})
			}},
		gradCase{"linear/mlp", []autograd.GradInput{variable(6, 5, x2), variable(5, 7, w2), variable(1, 7, b2),
			variable(7, 7, uniform(49, 63, -1, 1)), variable(1, 7, uniform(7, 64, -1, 1)), lab},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				h := g.Linear(v[0], v[1], v[2], gelu)
				return g.SoftmaxCrossEntropy(g.Linear(h, v[3], v[4], backend.Activation{}), v[5])
			}},
	)
}

// linearGraph runs a two-layer network built with Graph.Linear on b, whose
// hidden layer feeds both the output layer and a mean in the objective (so
// its upstream gradient sums two contributions), and backpropagates twice,
// so that every parameter gradient is written once and then accumulated
// into. Parameters are made on b itself, the only backend a graph on b
// accepts. It returns every value and gradient.
func linearGraph(t *testing.T, b backend.Backend, act backend.Activation) crossResult {
	raw := b
	if u, ok := b.(unfusedLinear); ok {
		raw = u.Backend
	}
	param := func(name string, r, c int, data []float32) *autograd.Value {
		p := autograd.NewParameter(b, name, upload(t, raw, shp(r, c), data))
		t.Cleanup(func() { autograd.ReleaseGrad(p) })
		return p
	}
	x0, w0, b0 := linearInputs(6, 5, 7, 70)
	w1, b1 := param("W1", 5, 7, w0), param("b1", 1, 7, b0)
	w2, b2 := param("W2", 7, 4, uniform(28, 71, -1, 1)), param("b2", 1, 4, uniform(4, 72, -1, 1))
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Leaf(upload(t, raw, shp(6, 5), x0), true)
	y := g.Input(upload(t, raw, shp(6, 1), labels(6, 4, 73)))
	target := g.Input(upload(t, raw, shp(6, 4), uniform(24, 74, -1, 1)))
	h := g.Linear(x, w1, b1, act)
	s := g.Linear(h, w2, b2, backend.Activation{})
	loss := g.Add(g.SoftmaxCrossEntropy(s, y), g.Scale(0.5, g.MeanSquaredError(s, target)))
	loss = g.Add(loss, g.Mean(h))
	for range 2 {
		if err := g.Backward(loss); err != nil {
			t.Fatalf("%s: backward: %v", b.Name(), err)
		}
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
		r.data = append(r.data, download(t, raw, v.t))
	}
	return r
}

// TestLinearFusedMatchesUnfused runs linearGraph on each backend with and
// without its LinearFuser. The CPU backend's fused kernels promise the
// unfused calls' bits, so there it must match exactly; elsewhere within
// crossTol, since a device may sum the bias gradient in another order.
func TestLinearFusedMatchesUnfused(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.LinearFuser); !ok {
			t.Skipf("%s does not fuse", b.Name())
		}
		for i, act := range activationCases() {
			t.Run(act.String(), func(t *testing.T) {
				got, want := linearGraph(t, b, act), linearGraph(t, unfusedLinear{b}, act)
				for j, name := range want.names {
					if b.Name() == "cpu" {
						for e, w := range want.data[j] {
							if g := got.data[j][e]; math.Float32bits(g) != math.Float32bits(w) {
								t.Errorf("%d %s: %s[%d] fused %v, unfused %v: not the same bits", i, act, name, e, g, w)
								break
							}
						}
						continue
					}
					if d := backendtest.Diff(want.shapes[j], got.data[j], backendtest.To64(want.data[j]), crossTol); d != "" {
						t.Errorf("%d %s: %s fused versus unfused: %s", i, act, name, d)
					}
				}
			})
		}
	})
}

// TestCrossBackendLinear runs linearGraph on every registered backend other
// than "cpu" and on "cpu", and requires the same values and gradients.
func TestCrossBackendLinear(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		for i, act := range activationCases() {
			t.Run(act.String(), func(t *testing.T) {
				got, want := linearGraph(t, b, act), linearGraph(t, ref, act)
				for j, name := range want.names {
					if d := backendtest.Diff(want.shapes[j], got.data[j], backendtest.To64(want.data[j]), crossTol); d != "" {
						t.Errorf("%d %s: %s on %s versus cpu: %s", i, act, name, b.Name(), d)
					}
				}
			})
		}
	})
}

// TestLinearBuffers checks what a fused layer holds: its output, and its
// pre-activation only when a gradient will need it (not for the identity,
// not with gradients disabled).
func TestLinearBuffers(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if _, fused := b.(backend.LinearFuser); !ok || !fused {
			t.Skipf("%s does not fuse or report memory", b.Name())
		}
		w := autograd.NewParameter(b, "W", upload(t, b, shp(3, 2), uniform(6, 80, -1, 1)))
		bias := autograd.NewParameter(b, "b", upload(t, b, shp(1, 2), uniform(2, 81, -1, 1)))
		x := upload(t, b, shp(4, 3), uniform(12, 82, -1, 1))
		for i, tc := range []struct {
			name string
			grad bool
			f    backend.Activation
			want int
		}{
			{"relu with gradients", true, backend.Activation{Kind: backend.ReLU}, 2},
			{"identity with gradients", true, backend.Activation{}, 1},
			{"relu without gradients", false, backend.Activation{Kind: backend.ReLU}, 1},
		} {
			g := autograd.NewGraph(b)
			g.SetGrad(tc.grad)
			before := mr.MemStats().LiveBuffers
			g.Linear(g.Input(x), w, bias, tc.f)
			if err := g.Err(); err != nil {
				t.Fatalf("%d %s: %v", i, tc.name, err)
			}
			if got := mr.MemStats().LiveBuffers - before; got != tc.want {
				t.Errorf("%d %s: %d buffers, want %d", i, tc.name, got, tc.want)
			}
			g.Reset()
		}
	})
}

// TestLinearErrors checks Graph.Linear's argument errors, the same on the
// fused and the unfused path.
func TestLinearErrors(t *testing.T) {
	cpu := backendtest.Open(t, "cpu")
	for _, b := range []backend.Backend{cpu, unfusedLinear{cpu}} {
		g := autograd.NewGraph(b)
		leaf := func(r, c int) *autograd.Value { return g.Input(upload(t, cpu, shp(r, c), make([]float32, r*c))) }
		relu := backend.Activation{Kind: backend.ReLU}
		for i, tc := range []struct {
			name    string
			f       func() *autograd.Value
			want    error
			mention []string
		}{
			{"inner dims", func() *autograd.Value { return g.Linear(leaf(3, 4), leaf(5, 2), nil, relu) }, backend.ErrShape, []string{"linear", "3×4", "5×2"}},
			{"bias shape", func() *autograd.Value { return g.Linear(leaf(3, 4), leaf(4, 2), leaf(2, 1), relu) }, backend.ErrShape, []string{"linear", "bias", "2×1"}},
			{"activation kind", func() *autograd.Value { return g.Linear(leaf(3, 4), leaf(4, 2), nil, backend.Activation{Kind: 99}) }, backend.ErrInvalidArgument, []string{"linear"}},
			{"nil weight", func() *autograd.Value { return g.Linear(leaf(3, 4), nil, nil, relu) }, backend.ErrInvalidArgument, []string{"linear", "nil"}},
		} {
			tc.f()
			err := g.Err()
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %d %s: error %v, want %v", b.Name(), i, tc.name, err, tc.want)
			}
			for _, m := range tc.mention {
				if err != nil && !strings.Contains(err.Error(), m) {
					t.Errorf("%s: %d %s: error %q does not mention %q", b.Name(), i, tc.name, err, m)
				}
			}
			g.Reset()
		}
	}
}

// nullFuser is the null backend with no-op fused layer kernels, counting
// them: under it, testing.AllocsPerRun counts the fused path's allocations.
type nullFuser struct {
	*nullBackend
	forward, backward int
}

func (n *nullFuser) LinearForward(_ backend.Activation, _, _, _, _, _ backend.Tensor) error {
	n.forward++
	return nil
}

func (n *nullFuser) LinearBackward(_ backend.Activation, _, _, _, _, _, _, _ backend.Tensor, _, _, _ float32) error {
	n.backward++
	return nil
}

// TestLinearAllocsPerStep requires a training step built from fused layers
// to allocate nothing in a steady state, and to take the fused path: one
// forward kernel per layer, one backward pass for the hidden layer (its
// weights and bias; its input, a constant, needs no gradient) and two for
// the output layer.
func TestLinearAllocsPerStep(t *testing.T) {
	b := &nullFuser{nullBackend: newNullBackend()}
	zeros := func(s backend.Shape) backend.Tensor { return upload(t, b, s, make([]float32, s.Len())) }
	x, y := zeros(shp(16, 8)), zeros(shp(16, 1))
	var params []*autograd.Value
	for _, s := range []backend.Shape{shp(8, 32), shp(1, 32), shp(32, 5), shp(1, 5)} {
		params = append(params, autograd.NewParameter(b, "p", zeros(s)))
	}
	g := autograd.NewGraph(b)
	step := func() error {
		h := g.Linear(g.Input(x), params[0], params[1], backend.Activation{Kind: backend.ReLU})
		loss := g.SoftmaxCrossEntropy(g.Linear(h, params[2], params[3], backend.Activation{}), g.Input(y))
		if err := g.Backward(loss); err != nil {
			return err
		}
		autograd.ZeroGrad(params...)
		return g.Reset()
	}
	for range 3 {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if b.forward != 2*3 || b.backward != 3*3 {
		t.Errorf("3 steps: %d forward and %d backward fused calls, want 6 and 9", b.forward, b.backward)
	}
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		if e := step(); e != nil && err == nil {
			err = e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("a fused step allocates %v times, want 0", allocs)
	}
}
