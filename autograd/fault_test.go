package autograd_test

import (
	"errors"
	"fmt"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// faultBackend passes every call through to a real backend, except that the
// call numbered failAt (counting New and the kernels a training step uses,
// from 1) fails with ErrDeviceLost: a device lost mid-step.
type faultBackend struct {
	backend.Backend
	calls, failAt int
}

var errInjected = fmt.Errorf("injected fault: %w", backend.ErrDeviceLost)

func (f *faultBackend) trip() bool { f.calls++; return f.calls == f.failAt }

func (f *faultBackend) New(s backend.Shape) (backend.Tensor, error) {
	if f.trip() {
		return nil, errInjected
	}
	return f.Backend.New(s)
}

func (f *faultBackend) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, c backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.MatMul(tA, tB, alpha, a, b, beta, c)
}

func (f *faultBackend) AddBias(dst, x, bias backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.AddBias(dst, x, bias)
}

func (f *faultBackend) ColSum(dst, x backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.ColSum(dst, x)
}

func (f *faultBackend) Scale(dst backend.Tensor, alpha float32, x backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.Scale(dst, alpha, x)
}

func (f *faultBackend) Axpy(alpha float32, x, y backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.Axpy(alpha, x, y)
}

func (f *faultBackend) Mul(dst, a, b backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.Mul(dst, a, b)
}

func (f *faultBackend) ActivationBackward(a backend.Activation, dx, x, y, dy backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.ActivationBackward(a, dx, x, y, dy)
}

func (f *faultBackend) SoftmaxCrossEntropy(loss, dlogits, logits, labels backend.Tensor) error {
	if f.trip() {
		return errInjected
	}
	return f.Backend.SoftmaxCrossEntropy(loss, dlogits, logits, labels)
}

// TestFaults fails each backend call of a training step in turn (the forward
// and backward passes of z⊙z-style reuse, a loss inside an expression and an
// MLP) and requires the injected error from Backward, no panic, and after
// Reset and ReleaseGrad not one buffer left live.
func TestFaults(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if !ok {
			t.Skipf("%s does not report memory", b.Name())
		}
		f := &faultBackend{Backend: b}
		m := newMLP(t, f)
		x := upload(t, b, shp(16, 8), uniform(128, 50, -1, 1))
		run := func(g *autograd.Graph) error {
			w1, b1, w2, b2 := m.params[0], m.params[1], m.params[2], m.params[3]
			h := g.Activation(backend.Activation{Kind: backend.Tanh}, g.AddBias(g.MatMul(g.Input(x), w1), b1))
			h = g.Mul(h, h)
			loss := g.SoftmaxCrossEntropy(g.AddBias(g.MatMul(h, w2), b2), g.Input(m.y))
			return g.Backward(g.Add(g.Scale(0.5, loss), g.Sum(g.Mul(w2, w2))))
		}
		live := mr.MemStats().LiveBuffers
		g := autograd.NewGraph(f)
		f.calls, f.failAt = 0, -1
		if err := run(g); err != nil {
			t.Fatal(err)
		}
		total := f.calls
		g.Reset()
		autograd.ReleaseGrad(m.params...)
		for k := 1; k <= total; k++ {
			f.calls, f.failAt = 0, k
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("call %d of %d failing: panicked: %v", k, total, r)
					}
				}()
				err = run(g)
			}()
			if !errors.Is(err, errInjected) {
				t.Errorf("call %d of %d failing: Backward returned %v, want the injected fault", k, total, err)
			}
			if rerr := g.Reset(); rerr != nil {
				t.Errorf("call %d: reset: %v", k, rerr)
			}
			autograd.ReleaseGrad(m.params...)
			if got := mr.MemStats().LiveBuffers; got != live {
				t.Errorf("call %d of %d failing: %d live buffers after Reset, %d before: a tensor leaked", k, total, got, live)
			}
		}
		t.Logf("%d backend calls failed in turn", total)
	})
}
