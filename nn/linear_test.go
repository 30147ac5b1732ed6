package nn_test

import (
	"math"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestSequentialFusesLinear checks that Sequential's fusing of a Linear layer
// and the Activation after it changes no result: an MLP's scores, loss and
// parameter gradients equal those of its layers run one at a time. On the
// CPU backend they are the same bits; elsewhere within 1e-5 in norm, as the
// cross-backend checks allow, since a device may sum the bias gradient in
// another order.
func TestSequentialFusesLinear(t *testing.T) {
	tol := backendtest.Tol{RTol: 1e-5, Norm: true}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		x, _ := backend.FromData(b, backend.Shape{Rows: 9, Cols: 3}, backend.UniformData(27, 1, -2, 2))
		y, _ := backend.FromData(b, backend.Shape{Rows: 9, Cols: 1}, []float32{0, 1, 1, 0, 1, 0, 0, 0, 1})
		defer b.Release(x)
		defer b.Release(y)
		for i, act := range []backend.Activation{nn.ReLU, nn.GELU, nn.Tanh} {
			m, err := nn.MLP(3, []int{5, 4}, 2, act).Build(b, 11)
			if err != nil {
				t.Fatal(err)
			}
			run := func(forward func(g *autograd.Graph, x *autograd.Value) *autograd.Value) [][]float32 {
				g := autograd.NewGraph(b)
				defer g.Reset()
				scores := forward(g, g.Input(x))
				loss := g.SoftmaxCrossEntropy(scores, g.Input(y))
				if err := g.Backward(loss); err != nil {
					t.Fatal(err)
				}
				out := [][]float32{fetchLinear(t, b, scores.Tensor()), fetchLinear(t, b, loss.Tensor())}
				for _, p := range m.Parameters() {
					out = append(out, fetchLinear(t, b, p.Grad()))
				}
				autograd.ZeroGrad(m.Parameters()...)
				return out
			}
			fused := run(m.Forward)
			apart := run(func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
				for _, l := range m.Net.(*nn.Sequential).Layers {
					x = l.Forward(g, x)
				}
				return x
			})
			for j := range apart {
				if b.Name() == "cpu" {
					for e, w := range apart[j] {
						if g := fused[j][e]; math.Float32bits(g) != math.Float32bits(w) {
							t.Errorf("%d %v: tensor %d element %d: fused %v, apart %v", i, act, j, e, g, w)
							break
						}
					}
					continue
				}
				s := backend.Shape{Rows: 1, Cols: len(apart[j])}
				if d := backendtest.Diff(s, fused[j], backendtest.To64(apart[j]), tol); d != "" {
					t.Errorf("%d %v: tensor %d: %s", i, act, j, d)
				}
			}
			m.Release()
		}
	})
}

func fetchLinear(t *testing.T, b backend.Backend, x backend.Tensor) []float32 {
	t.Helper()
	out, err := backend.ToHost(b, x)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
