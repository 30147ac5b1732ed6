package gl_test

import (
	"fmt"
	"sync"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// TestConcurrentCallers drives the shared backend from 8 goroutines at once,
// each with its own tensors, and checks every result against the CPU: the
// calls are marshalled onto the one GL thread without mixing up bindings,
// uniforms or pooled buffers.
func TestConcurrentCallers(t *testing.T) {
	b := backendtest.Open(t, "gl")
	ref := cpu.New()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 10 {
				seed := uint64(1000*g + it)
				m, k, n := 3+g, 5+it, 4+g+it
				if err := concurrentStep(b, ref, seed, m, k, n); err != nil {
					errs <- fmt.Errorf("goroutine %d iteration %d: %w", g, it, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// concurrentStep computes tanh(x·W + b) summed, on b and ref.
func concurrentStep(b, ref backend.Backend, seed uint64, m, k, n int) error {
	run := func(be backend.Backend) (float32, error) {
		x, err := backend.FromData(be, backend.Shape{Rows: m, Cols: k}, backend.NormalData(m*k, seed, 0, 1))
		if err != nil {
			return 0, err
		}
		w, _ := backend.FromData(be, backend.Shape{Rows: k, Cols: n}, backend.NormalData(k*n, seed+1, 0, 1))
		bias, _ := backend.FromData(be, backend.Shape{Rows: 1, Cols: n}, backend.NormalData(n, seed+2, 0, 1))
		y, _ := be.New(backend.Shape{Rows: m, Cols: n})
		s, _ := be.New(backend.Shape{Rows: 1, Cols: 1})
		defer func() {
			for _, t := range []backend.Tensor{x, w, bias, y, s} {
				be.Release(t)
			}
		}()
		steps := []func() error{
			func() error { return be.MatMul(false, false, 1, x, w, 0, y) },
			func() error { return be.AddBias(y, y, bias) },
			func() error { return be.ActivationForward(backend.Activation{Kind: backend.Tanh}, y, y) },
			func() error { return be.Sum(s, y) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return 0, err
			}
		}
		out, err := backend.ToHost(be, s)
		if err != nil {
			return 0, err
		}
		return out[0], nil
	}
	want, err := run(ref)
	if err != nil {
		return err
	}
	got, err := run(b)
	if err != nil {
		return err
	}
	// A sum of at most 13·23 tanh values, each within a few ulp: 1e-4
	// absolute is generous and still catches any mixed-up tensor.
	if d := got - want; d > 1e-4 || d < -1e-4 {
		return fmt.Errorf("sum %v, CPU says %v", got, want)
	}
	return nil
}
