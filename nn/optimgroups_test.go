package nn_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// decayNet has parameters of both kinds: Linear weights (decayed by the
// mask) and Linear biases and LayerNorm's weight and bias (not).
func decayNet() *nn.Sequential {
	return nn.Seq(&nn.Linear{Out: 4}, nn.Act(nn.Tanh), &nn.LayerNorm{}, &nn.Linear{Out: 3})
}

// stepBatch takes steps optimiser steps of mean cross-entropy on one fixed
// batch of 6 samples of 2 features.
func stepBatch(t *testing.T, b backend.Backend, m *nn.Model, steps int, opts ...nn.Optimizer) {
	t.Helper()
	x, err := backend.FromData(b, backend.Shape{Rows: 6, Cols: 2}, decayX)
	require.NoError(t, err)
	defer b.Release(x)
	y, err := backend.FromData(b, backend.Shape{Rows: 6, Cols: 1}, decayY)
	require.NoError(t, err)
	defer b.Release(y)
	g := autograd.NewGraph(b)
	for range steps {
		require.NoError(t, g.Backward(g.SoftmaxCrossEntropy(m.Forward(g, g.Input(x)), g.Input(y))))
		for _, o := range opts {
			require.NoError(t, o.Step())
			o.ZeroGrad()
		}
		g.Reset()
	}
}

var (
	decayX = []float32{0.5, -1.2, 1.5, 0.3, -0.7, 0.9, 2.0, -0.4, -1.1, -0.8, 0.2, 1.7}
	decayY = []float32{0, 1, 2, 0, 1, 2}
)

// TestDecayMatricesMask: nanoGPT's rule, by saved dimensions: the Linear
// weights decay; the biases and LayerNorm's weight and bias do not.
func TestDecayMatricesMask(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, decayNet(), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	require.Equal(t, []string{"0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"}, names)
	assert.Equal(t, []bool{true, false, false, false, true, false}, nn.DecayMatrices(m))

	_, err = nn.NewOptimizerDecay("adamw", b, m.Parameters(), 0.01, 0.1, 0, []bool{true})
	assert.ErrorContains(t, err, "weight-decay mask of 1 entries for 6 parameters")
	o, err := nn.NewOptimizerDecay("adamw", b, m.Parameters(), 0.01, 0.1, 0, []bool{true, true, true, true, true, true})
	require.NoError(t, err)
	assert.Nil(t, o.(*nn.Adam).Decays(), "a mask decaying everything is no mask")
	require.NoError(t, o.Release())
}

// TestDecayMaskSkipsExactly: with the mask, each parameter ends where an
// optimiser of its own would take it — with the weight decay when the mask
// decays it, with weight decay 0 when not — to the bit, on every backend
// and for every optimiser (packed in two groups on a backend.Packer, one
// kernel a group, against one kernel a parameter: the same bits). The
// undecayed parameters do move differently from a run decaying them all,
// so the mask is not a no-op.
func TestDecayMaskSkipsExactly(t *testing.T) {
	const lr, wd, steps = 0.05, 0.5, 4
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for _, name := range nn.OptimizerNames {
			t.Run(name, func(t *testing.T) {
				build := func() *nn.Model {
					m, err := nn.NewModel(b, decayNet(), 2, 7)
					require.NoError(t, err)
					t.Cleanup(func() { m.Release() })
					return m
				}
				m, ref, all := build(), build(), build()
				mask := nn.DecayMatrices(m)
				o, err := nn.NewOptimizerDecay(name, b, m.Parameters(), lr, wd, nn.DefaultMomentum, mask)
				require.NoError(t, err)
				defer o.Release()
				var refs []nn.Optimizer
				for i, p := range ref.Parameters() {
					w := float32(0)
					if mask[i] {
						w = wd
					}
					r, err := nn.NewOptimizer(name, b, []*autograd.Value{p}, lr, w)
					require.NoError(t, err)
					defer r.Release()
					refs = append(refs, r)
				}
				oa, err := nn.NewOptimizer(name, b, all.Parameters(), lr, wd)
				require.NoError(t, err)
				defer oa.Release()

				stepBatch(t, b, m, steps, o)
				stepBatch(t, b, ref, steps, refs...)
				stepBatch(t, b, all, steps, oa)
				got, err := m.State()
				require.NoError(t, err)
				want, err := ref.State()
				require.NoError(t, err)
				assert.Equal(t, want, got)
				decayAll, err := all.State()
				require.NoError(t, err)
				for i := range got {
					if !mask[i] {
						assert.NotEqual(t, decayAll[i].Data, got[i].Data, "%s: the same with decay as without", got[i].Name)
					}
				}
			})
		}
	})
}

// TestResumeWithDecayMaskIsBitIdentical: TestResumeIsBitIdentical with a
// weight-decay mask: the checkpoint records the mask and Resume rebuilds
// the optimiser with it, so 2 epochs saved and resumed for 2 more give the
// weights of 4 in one run, to the bit.
func TestResumeWithDecayMaskIsBitIdentical(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for _, opt := range []string{"adamw", "momentum"} {
			t.Run(opt, func(t *testing.T) {
				set, _ := data.Spiral(40, 3, 1)
				fit := func(m *nn.Model, o nn.Optimizer, start nn.TrainState, epochs int, save string) {
					tr := nn.Trainer{Model: m, Optimizer: o, Epochs: epochs, BatchSize: 16, Seed: 3,
						Train: set, StartEpoch: start.Epochs, StartStep: start.Steps}
					if save != "" {
						tr.OnEpoch = func(s nn.EpochStats) error {
							return nn.Save(save, m, &nn.TrainState{Optimizer: o, Epochs: s.Epoch, Steps: s.GlobalStep})
						}
					}
					_, err := tr.Fit(context.Background())
					require.NoError(t, err)
				}
				newRun := func() (*nn.Model, nn.Optimizer) {
					m, err := nn.NewModel(b, decayNet(), 2, 1)
					require.NoError(t, err)
					o, err := nn.NewOptimizerDecay(opt, b, m.Parameters(), 0.05, 0.3, nn.DefaultMomentum, nn.DecayMatrices(m))
					require.NoError(t, err)
					return m, o
				}
				m, o := newRun()
				defer m.Release()
				defer o.Release()
				fit(m, o, nn.TrainState{}, 4, "")
				want, err := m.State()
				require.NoError(t, err)

				path := filepath.Join(t.TempDir(), "run.safetensors")
				m2, o2 := newRun()
				fit(m2, o2, nn.TrainState{}, 2, path)
				require.NoError(t, o2.Release())
				require.NoError(t, m2.Release())

				m3, st, err := nn.Resume(path, b)
				require.NoError(t, err)
				defer m3.Release()
				require.NotNil(t, st.Optimizer)
				defer st.Optimizer.Release()
				var mask []bool
				switch o := st.Optimizer.(type) {
				case *nn.Adam:
					mask = o.Decays()
				case *nn.SGD:
					mask = o.Decays()
				}
				assert.Equal(t, nn.DecayMatrices(m3), mask)
				fit(m3, st.Optimizer, *st, 4, "")
				got, err := m3.State()
				require.NoError(t, err)
				assert.Equal(t, want, got)
			})
		}
	})
}

// TestDecayMaskMatchesPyTorch: PyTorch's AdamW and SGD (momentum 0.9) with
// two parameter groups — the ≥2-dimensional parameters with weight decay,
// the others without — take the same net from the same weights to within
// 1e-6 of gltrain's masked optimiser after 5 steps on the CPU backend
// (float32 rounding of a few steps of parameters of size ~1; the decay,
// lr·wd = 0.05 a step, is far above that, so a group decayed wrongly fails).
func TestDecayMaskMatchesPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	b := backendtest.Open(t, "cpu")
	const lr, wd, steps = 0.05, 1.0, 5
	for _, name := range []string{"adamw", "momentum"} {
		m, err := nn.NewModel(b, decayNet(), 2, 5)
		require.NoError(t, err)
		defer m.Release()
		initial, err := m.State()
		require.NoError(t, err)
		o, err := nn.NewOptimizerDecay(name, b, m.Parameters(), lr, wd, nn.DefaultMomentum, nn.DecayMatrices(m))
		require.NoError(t, err)
		defer o.Release()
		stepBatch(t, b, m, steps, o)
		final, err := m.State()
		require.NoError(t, err)
		y := make([]int, len(decayY))
		for i, v := range decayY {
			y[i] = int(v)
		}
		opt := name
		if name == "momentum" {
			opt = "sgd"
		}
		raw, err := json.Marshal(map[string]any{"initial": initial, "final": final, "x": decayX, "y": y,
			"opt": opt, "lr": lr, "wd": wd, "steps": steps})
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "case.json")
		require.NoError(t, os.WriteFile(path, raw, 0o644))
		out, err := exec.Command(python, "testdata/torch_decay_groups.py", path).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("%s", out)
	}
}

// TestTrainerClipsWithDecayMask: TestTrainerClips with a weight-decay mask
// (two packed groups on a backend.Packer): the clip covers the gradients
// of both groups, so 3 plain-SGD steps with a tiny ClipNorm move the
// weights by at most 3·lr·ClipNorm in 2-norm. The decay, 1e-9 of weights
// of norm ~5 a step, adds ~1.5e-8, inside the 1e-5 relative slack (3e-8);
// a group left unclipped would move by its whole gradient, far more.
func TestTrainerClipsWithDecayMask(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, _ := data.Spiral(10, 3, 1)
		m, err := nn.NewModel(b, decayNet(), 2, 1)
		require.NoError(t, err)
		defer m.Release()
		before, err := m.State()
		require.NoError(t, err)
		opt, err := nn.NewOptimizerDecay("sgd", b, m.Parameters(), 1, 1e-9, 0, nn.DecayMatrices(m))
		require.NoError(t, err)
		defer opt.Release()
		const clip, steps = 1e-3, 3
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: steps, BatchSize: 30, Train: set, ClipNorm: clip}
		_, err = tr.Fit(context.Background())
		require.NoError(t, err)
		after, err := m.State()
		require.NoError(t, err)
		var d2 float64
		moved := map[string]bool{}
		for i := range before {
			for j, w := range before[i].Data {
				d := float64(after[i].Data[j]) - float64(w)
				d2 += d * d
				moved[before[i].Name] = moved[before[i].Name] || d != 0
			}
		}
		assert.LessOrEqual(t, math.Sqrt(d2), steps*clip*(1+1e-5))
		assert.Greater(t, math.Sqrt(d2), clip)
		assert.True(t, moved["0.weight"] && moved["3.bias"], "both groups step: %v", moved)
	})
}
