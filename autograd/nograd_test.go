package autograd_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestNoGrad checks evaluation mode: the same values as with gradients, but
// no node requires a gradient, the losses keep no gradient (one buffer
// fewer per loss), and Backward refuses to run.
func TestNoGrad(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m := newMLP(t, b)
		forward := func(g *autograd.Graph) (loss, hinge *autograd.Value) {
			w1, b1, w2, b2 := m.params[0], m.params[1], m.params[2], m.params[3]
			h := g.Activation(backend.Activation{Kind: backend.GELU}, g.AddBias(g.MatMul(g.Input(m.x), w1), b1))
			s := g.AddBias(g.MatMul(h, w2), b2)
			return g.SoftmaxCrossEntropy(s, g.Input(m.y)), g.SVMHinge(s, g.Input(m.y), 1)
		}
		live := func() int {
			if mr, ok := b.(backend.MemoryReporter); ok {
				return mr.MemStats().LiveBuffers
			}
			return -1
		}

		g := autograd.NewGraph(b)
		base := live()
		wantLoss, wantHinge := forward(g)
		withGrad := live() - base
		want := [2]float32{scalar(t, b, wantLoss.Tensor()), scalar(t, b, wantHinge.Tensor())}
		g.Reset()

		g.SetGrad(false)
		if g.GradEnabled() {
			t.Fatal("GradEnabled after SetGrad(false)")
		}
		loss, hinge := forward(g)
		if withoutGrad := live() - base; base >= 0 && withoutGrad != withGrad-2 {
			t.Errorf("no-grad forward holds %d buffers, with gradients %d: want 2 fewer (the losses' gradients)", withoutGrad, withGrad)
		}
		got := [2]float32{scalar(t, b, loss.Tensor()), scalar(t, b, hinge.Tensor())}
		for i := range got {
			// The same kernels on the same inputs. The CPU backend gives the
			// same bits; a device may take another path when no gradient is
			// wanted, so allow a few float32 ulps.
			if !relClose(float64(got[i]), float64(want[i]), 1e-6) {
				t.Errorf("loss %d: %v without gradients, %v with", i, got[i], want[i])
			}
		}
		if loss.RequiresGrad() || hinge.RequiresGrad() {
			t.Errorf("losses require gradients in no-grad mode")
		}
		if err := g.Backward(loss); err == nil {
			t.Errorf("Backward in no-grad mode: no error")
		}
		for _, p := range m.params {
			if p.Grad() != nil {
				t.Errorf("parameter has a gradient after a no-grad pass")
			}
		}
		g.Reset()
		g.SetGrad(true)
		if loss, _ := forward(g); g.Backward(loss) != nil || m.params[0].Grad() == nil {
			t.Errorf("gradients re-enabled: Backward %v, grad %v", g.Err(), m.params[0].Grad())
		}
		g.Reset()
	})
}
