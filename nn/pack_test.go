package nn_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// counting wraps a backend, hiding its optional interfaces (so optimisers
// over it do not pack), and counts the optimiser kernels it is asked for.
type counting struct {
	backend.Backend
	calls int
}

func (c *counting) SGDStep(cfg backend.SGD, param, grad, velocity backend.Tensor) error {
	c.calls++
	return c.Backend.SGDStep(cfg, param, grad, velocity)
}

func (c *counting) AdamStep(cfg backend.Adam, step int, param, grad, m, v backend.Tensor) error {
	c.calls++
	return c.Backend.AdamStep(cfg, step, param, grad, m, v)
}

// countingPacker is counting that packs, as its backend does.
type countingPacker struct{ *counting }

func (c countingPacker) Pack(shapes []backend.Shape) (backend.Tensor, []backend.Tensor, error) {
	return c.Backend.(backend.Packer).Pack(shapes)
}

// wrap returns b wrapped to count its optimiser kernels, packing or not.
func wrap(b backend.Backend, packs bool) (backend.Backend, *counting) {
	c := &counting{Backend: b}
	if packs {
		return countingPacker{c}, c
	}
	return c, c
}

// packedOptimizers are the optimisers whose packed steps must match the
// per-parameter ones to the bit: each kernel is elementwise, so one dispatch
// over the flat tensors computes each element as a dispatch per parameter
// does.
var packedOptimizers = []struct {
	name string
	make func(b backend.Backend, params []*autograd.Value) (nn.Optimizer, error)
}{
	{"sgd", sgd(backend.SGD{LR: 0.1})},
	{"sgd+wd", sgd(backend.SGD{LR: 0.1, WeightDecay: 0.01})},
	{"momentum", sgd(backend.SGD{LR: 0.1, Momentum: 0.9})},
	{"nesterov+wd", sgd(backend.SGD{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01})},
	{"adam", adam(backend.DefaultAdam(0.01))},
	{"adam+l2", adam(backend.Adam{LR: 0.01, Beta1: 0.9, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.01})},
	{"adamw", adam(backend.Adam{LR: 0.01, Beta1: 0.8, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true})},
}

func sgd(cfg backend.SGD) func(backend.Backend, []*autograd.Value) (nn.Optimizer, error) {
	return func(b backend.Backend, ps []*autograd.Value) (nn.Optimizer, error) { return nn.NewSGD(b, ps, cfg) }
}

func adam(cfg backend.Adam) func(backend.Backend, []*autograd.Value) (nn.Optimizer, error) {
	return func(b backend.Backend, ps []*autograd.Value) (nn.Optimizer, error) { return nn.NewAdam(b, ps, cfg) }
}

// packRun is a small model, an extra parameter and an optimiser over all of
// them, on a counting backend.
type packRun struct {
	b      backend.Backend
	c      *counting
	m      *nn.Model
	extra  *autograd.Value // 1×3, in the loss only on the steps that ask for it
	params []*autograd.Value
	opt    nn.Optimizer
	x, y   backend.Tensor
	g      *autograd.Graph
}

func newPackRun(t *testing.T, b backend.Backend, packs bool, newOpt func(backend.Backend, []*autograd.Value) (nn.Optimizer, error)) *packRun {
	t.Helper()
	wb, c := wrap(b, packs)
	m, err := nn.MLP(4, []int{7, 5}, 3, nn.Tanh).Build(wb, 11)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Release() })
	r := &packRun{b: wb, c: c, m: m, g: autograd.NewGraph(wb)}
	t.Cleanup(func() { r.g.Reset() })
	r.x = tensor(t, wb, backend.Shape{Rows: 9, Cols: 4}, backend.NormalData(36, 3, 0, 1))
	r.y = tensor(t, wb, backend.Shape{Rows: 9, Cols: 1}, []float32{0, 1, 2, 2, 1, 0, 0, 1, 2})
	t.Cleanup(func() { wb.Release(r.x); wb.Release(r.y) })
	r.extra = autograd.NewParameter(wb, "extra", tensor(t, wb, backend.Shape{Rows: 1, Cols: 3}, []float32{0.5, -1, 2}))
	t.Cleanup(func() { autograd.ReleaseGrad(r.extra); wb.Release(r.extra.Tensor()) })
	r.params = append(m.Parameters(), r.extra)
	if r.opt, err = newOpt(wb, r.params); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.opt.Release() })
	return r
}

// tensor uploads data to a new tensor of b; the caller releases it.
func tensor(t *testing.T, b backend.Backend, s backend.Shape, data []float32) backend.Tensor {
	t.Helper()
	x, err := backend.FromData(b, s, data)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// step runs forward, backward and the optimiser once, the extra parameter
// reached by the loss when withExtra is set, and returns the number of
// optimiser kernels the step issued.
func (r *packRun) step(t *testing.T, withExtra bool) int {
	t.Helper()
	g, before := r.g, r.c.calls
	scores := r.m.Forward(g, g.Input(r.x))
	if withExtra {
		scores = g.AddBias(scores, r.extra)
	}
	loss := g.SoftmaxCrossEntropy(scores, g.Input(r.y))
	if err := g.Backward(loss); err != nil {
		t.Fatal(err)
	}
	if err := r.opt.Step(); err != nil {
		t.Fatal(err)
	}
	r.opt.ZeroGrad()
	if err := g.Reset(); err != nil {
		t.Fatal(err)
	}
	return r.c.calls - before
}

// values downloads every parameter.
func (r *packRun) values(t *testing.T) [][]float32 {
	t.Helper()
	var out [][]float32
	for _, p := range r.params {
		v, err := backend.ToHost(r.b, p.Tensor())
		if err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
		out = append(out, v)
	}
	return out
}

// sameBits compares two sets of parameter values to the bit.
func sameBits(got, want [][]float32) string {
	for i := range want {
		for j := range want[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				return fmt.Sprintf("parameter %d element %d: %v packed, %v per parameter", i, j, got[i][j], want[i][j])
			}
		}
	}
	return ""
}

// TestPackedOptimizerMatchesPerParameter: on a backend that packs, every
// optimiser steps all parameters with one kernel, and after several steps
// (first without, then with the extra parameter in the loss, so that the
// packed optimiser falls back and comes back) holds the same bits as the
// same optimiser stepping each parameter on its own. Steps where a parameter
// has no gradient leave it as it was (PyTorch skips it, moments included).
func TestPackedOptimizerMatchesPerParameter(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.Packer); !ok {
			t.Skipf("%s does not pack", b.Name())
		}
		for i, tc := range packedOptimizers {
			t.Run(tc.name, func(t *testing.T) {
				packed, ref := newPackRun(t, b, true, tc.make), newPackRun(t, b, false, tc.make)
				n := len(packed.params)
				extra := packed.values(t)[n-1]
				for s, withExtra := range []bool{true, false, false, true, true, false, true} {
					got, want := packed.step(t, withExtra), ref.step(t, withExtra)
					if !withExtra {
						// The fallback: a kernel per parameter with a gradient.
						if got != n-1 || want != n-1 {
							t.Errorf("%d step %d: %d kernels packed, %d per parameter; want %d (all but the extra)", i, s, got, want, n-1)
						}
						if now := packed.values(t)[n-1]; sameBits([][]float32{now}, [][]float32{extra}) != "" {
							t.Errorf("%d step %d: the extra parameter moved from %v to %v without a gradient", i, s, extra, now)
						}
					}
					// Adam's step counts differ once the extra parameter
					// has missed a step: every step falls back after.
					_, isAdam := packed.opt.(*nn.Adam)
					if withExtra && (s == 0 || !isAdam) && got != 1 {
						t.Errorf("%d step %d: %d optimiser kernels, want 1", i, s, got)
					}
					if withExtra && want != n {
						t.Errorf("%d step %d: %d kernels per parameter, want %d", i, s, want, n)
					}
					if msg := sameBits(packed.values(t), ref.values(t)); msg != "" {
						t.Fatalf("%d step %d: %s", i, s, msg)
					}
					extra = packed.values(t)[n-1]
				}
			})
		}
	})
}

// TestPackedOneKernelPerStep: a packed optimiser over a model, trained by
// Fit, issues exactly one optimiser kernel per step.
func TestPackedOneKernelPerStep(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.Packer); !ok {
			t.Skipf("%s does not pack", b.Name())
		}
		for _, name := range nn.OptimizerNames {
			r := newPackRun(t, b, true, func(b backend.Backend, ps []*autograd.Value) (nn.Optimizer, error) {
				return nn.NewOptimizer(name, b, ps, 0.01, 1e-3)
			})
			for s := range 5 {
				if got := r.step(t, true); got != 1 {
					t.Errorf("%s step %d: %d optimiser kernels, want 1", name, s, got)
				}
			}
		}
	})
}

// TestPackedRelease: packing and unpacking give the parameters' values back
// in tensors of their own, whether the optimiser or the model is released
// first, the model's State and LoadState work on packed parameters, and no
// buffer is left behind.
func TestPackedRelease(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if _, packs := b.(backend.Packer); !packs || !ok {
			t.Skipf("%s does not pack or report memory", b.Name())
		}
		for _, optFirst := range []bool{true, false} {
			before := mr.MemStats().LiveBuffers
			m, err := nn.MLP(3, []int{6}, 2, nn.ReLU).Build(b, 5)
			if err != nil {
				t.Fatal(err)
			}
			state, err := m.State()
			if err != nil {
				t.Fatal(err)
			}
			opt, err := nn.NewOptimizer("adamw", b, m.Parameters(), 0.1, 0.01)
			if err != nil {
				t.Fatal(err)
			}
			// Packed: 4 flat tensors (parameters, gradients, two
			// moments) in place of the parameters' 4 tensors.
			if got := mr.MemStats().LiveBuffers - before; got != 4 {
				t.Errorf("%d buffers live after packing 4 parameters, want 4 flat ones", got)
			}
			if packed, err := m.State(); err != nil || !equalState(packed, state) {
				t.Errorf("state after packing differs (%v)", err)
			}
			if err := m.LoadState(state); err != nil {
				t.Errorf("load state into packed parameters: %v", err)
			}
			if optFirst {
				if err := opt.Release(); err != nil {
					t.Fatal(err)
				}
				if after, err := m.State(); err != nil || !equalState(after, state) {
					t.Errorf("state after unpacking differs (%v)", err)
				}
				if err := m.Release(); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := m.Release(); err != nil {
					t.Fatal(err)
				}
				if err := opt.Release(); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Release(); err != nil {
				t.Errorf("second release of the model: %v", err)
			}
			if got := mr.MemStats().LiveBuffers; got != before {
				t.Errorf("optimiser released first: %v: %d buffers live, %d before", optFirst, got, before)
			}
		}
	})
}

func equalState(a, b []nn.NamedTensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Shape, b[i].Shape) || len(a[i].Data) != len(b[i].Data) {
			return false
		}
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				return false
			}
		}
	}
	return true
}
