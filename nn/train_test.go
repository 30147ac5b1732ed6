package nn_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestModelMustFitData: a model whose input width or output count does not
// fit the data is refused before training starts.
func TestModelMustFitData(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1)
	for i, tc := range []struct {
		arch nn.Arch
		want string
	}{
		{nn.MLP(3, []int{4}, 3, nn.ReLU), "takes 3 inputs, but spiral has 2 features"},
		{nn.MLP(2, []int{4}, 2, nn.ReLU), "has 2 outputs, but spiral has 3 classes"},
	} {
		m, err := tc.arch.Build(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
		before := b.(backend.MemoryReporter).MemStats().Allocations
		_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set}).Fit(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one saying %q", i, err, tc.want)
		}
		if after := b.(backend.MemoryReporter).MemStats().Allocations; after != before {
			t.Errorf("%d: %d buffers allocated before the refusal", i, after-before)
		}
		m.Release()
	}
}

// TestNaNStopsTraining: a learning rate far too large makes the loss
// overflow (mean squared error at lr 10 explodes geometrically; the
// cross-entropy's stable log-sum-exp would stay finite); training stops with
// the exact step, whether the loss is read every step or every 50 steps,
// and the advice to lower the rate.
func TestNaNStopsTraining(t *testing.T) {
	set, _ := data.Spiral(100, 3, 1)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		var steps []int
		for _, every := range []int{1, 50} {
			m, _ := nn.MLP(2, []int{50}, 3, nn.ReLU).Build(b, 3)
			opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 10, 0)
			tr := nn.Trainer{Model: m, Loss: nn.MeanSquaredError, Optimizer: opt, Epochs: 100, BatchSize: 100, Train: set, LogEvery: every}
			h, err := tr.Fit(context.Background())
			var nf *nn.NonFiniteLossError
			if !errors.As(err, &nf) {
				t.Fatalf("LogEvery %d: error %v, want a *nn.NonFiniteLossError", every, err)
			}
			if !strings.Contains(err.Error(), "lower the learning rate") || !math.IsNaN(float64(nf.Loss)) && !math.IsInf(float64(nf.Loss), 0) {
				t.Errorf("error %q: want advice and a non-finite loss", err)
			}
			if len(h.StepLoss) != nf.Step-1 {
				t.Errorf("LogEvery %d: %d finite losses recorded before step %d", every, len(h.StepLoss), nf.Step)
			}
			steps = append(steps, nf.Step)
			m.Release()
			opt.Release()
		}
		if steps[0] != steps[1] {
			t.Errorf("NaN found at step %d reading every step, %d reading every 50", steps[0], steps[1])
		}
		t.Logf("loss non-finite at step %d", steps[0])
	})
}

// TestContextCancelStops: a cancelled context ends Fit after the step in
// progress, with the history so far.
func TestContextCancelStops(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(100, 3, 1)
	m, _ := nn.MLP(2, []int{10}, 3, nn.ReLU).Build(b, 3)
	defer m.Release()
	opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 100, BatchSize: 30, Train: set,
		OnEpoch: func(s nn.EpochStats) error {
			if s.Epoch == 3 {
				cancel()
			}
			return nil
		}}
	h, err := tr.Fit(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(h.Epochs) != 3 || len(h.StepLoss) != 30 {
		t.Errorf("history: %d epochs, %d steps; want 3 and 30", len(h.Epochs), len(h.StepLoss))
	}
}

// TestTrainingMemoryIsFlat: after the first epoch has filled the pools,
// further epochs of Fit (with validation) allocate no device buffers, and
// every buffer Fit took is given back: afterwards only the parameters'
// gradients and AdamW's two moments per parameter remain, or nothing when
// the optimiser packed them beforehand.
func TestTrainingMemoryIsFlat(t *testing.T) {
	set, _ := data.Spiral(100, 3, 1)
	train, val, _ := set.Split(0.2, 1)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr := b.(backend.MemoryReporter)
		m, _ := nn.MLP(2, []int{32, 16}, 3, nn.GELU).Build(b, 3)
		defer m.Release()
		opt, _ := nn.NewOptimizer("adamw", b, m.Parameters(), 0.01, 0.01)
		defer opt.Release()
		var after1, afterN backend.MemStats
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 20, BatchSize: 64, Train: train, Val: val, LogEvery: 3,
			OnEpoch: func(s nn.EpochStats) error {
				if s.Epoch == 1 {
					after1 = mr.MemStats()
				}
				afterN = mr.MemStats()
				return nil
			}}
		before := mr.MemStats()
		if _, err := tr.Fit(context.Background()); err != nil {
			t.Fatal(err)
		}
		if afterN.Allocations != after1.Allocations || afterN.LiveBuffers != after1.LiveBuffers {
			t.Errorf("after epoch 1: %+v; after epoch 20: %+v", after1, afterN)
		}
		// Unpacked, Fit leaves each parameter's gradient and two moments;
		// packed, those are views of flat tensors made with the optimiser.
		kept := 3 * len(m.Parameters())
		if _, packs := b.(backend.Packer); packs {
			kept = 0
		}
		if end := mr.MemStats(); end.LiveBuffers != before.LiveBuffers+kept {
			t.Errorf("live buffers: %d before Fit, %d after; want %d more (gradients and moments)", before.LiveBuffers, end.LiveBuffers, kept)
		}
	})
}

// TestStateAcrossBackends: a model trained on one backend, saved with State
// and loaded into a fresh model on every backend, computes the same scores
// (to float32 rounding: sums of 30 products in different orders) and so the
// same classes, wherever the top two scores are not within that rounding.
func TestStateAcrossBackends(t *testing.T) {
	set, _ := data.Spiral(100, 3, 1)
	arch := nn.MLP(2, []int{30}, 3, nn.Tanh)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, _ := arch.Build(b, 1)
		defer m.Release()
		opt, _ := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
		defer opt.Release()
		if _, err := (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 30, BatchSize: 300, Train: set}).Fit(context.Background()); err != nil {
			t.Fatal(err)
		}
		state, err := m.State()
		if err != nil {
			t.Fatal(err)
		}
		want, wantClass := scores(t, m, set), predict(t, m, set)
		backendtest.ForEach(t, func(t *testing.T, to backend.Backend) {
			m2, _ := arch.Build(to, 99)
			defer m2.Release()
			if err := m2.LoadState(state); err != nil {
				t.Fatal(err)
			}
			got, gotClass := scores(t, m2, set), predict(t, m2, set)
			if msg := backendtest.Diff(backend.Shape{Rows: set.Len(), Cols: 3}, got, backendtest.To64(want), backendtest.Tol{ATol: 1e-6, RTol: 1e-5}); msg != "" {
				t.Fatalf("scores on %s of the model trained on %s: %s", to.Name(), b.Name(), msg)
			}
			for i := range wantClass {
				if gotClass[i] != wantClass[i] && margin(want[3*i:3*i+3]) > 1e-4 {
					t.Fatalf("point %d: class %d on %s, %d on %s", i, gotClass[i], to.Name(), wantClass[i], b.Name())
				}
			}
		})
	})
}

// scores is the model's output for every row of set, on the host.
func scores(t *testing.T, m *nn.Model, set data.Set) []float32 {
	t.Helper()
	b := m.Backend()
	ds, err := nn.Upload(b, set)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Release()
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	defer g.Reset()
	out := m.Forward(g, g.Input(ds.X))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	host, err := backend.ToHost(b, out.Tensor())
	if err != nil {
		t.Fatal(err)
	}
	return host
}

func predict(t *testing.T, m *nn.Model, set data.Set) []int {
	t.Helper()
	classes, err := nn.Predict(m, set.X)
	if err != nil {
		t.Fatal(err)
	}
	return classes
}

// margin is the gap between the largest and the second largest score.
func margin(s []float32) float32 {
	first, second := float32(math.Inf(-1)), float32(math.Inf(-1))
	for _, v := range s {
		if v > first {
			first, second = v, first
		} else if v > second {
			second = v
		}
	}
	return first - second
}

// TestLoadStateRefusesOtherArchitectures: missing, extra and misshapen
// tensors are each named.
func TestLoadStateRefusesOtherArchitectures(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, _ := nn.MLP(2, []int{4}, 3, nn.ReLU).Build(b, 1)
	defer m.Release()
	other, _ := nn.MLP(2, []int{5}, 3, nn.ReLU).Build(b, 1)
	defer other.Release()
	state, _ := other.State()
	state = append(state[:3], nn.NamedTensor{Name: "9.weight", Shape: []int{1, 1}, Data: []float32{0}})
	err := m.LoadState(state)
	// One line: the first mismatch, then the count of the others (0.bias
	// and 2.weight are 5 and 3×5, 2.bias is missing, 9.weight is no
	// parameter).
	want := "nn: load state: 0.weight is [5 2] (10 values), the model's is [4 2] (and 4 more mismatches)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v: want %q", err, want)
	}
	err = m.LoadState(append(state[:0:0], mustState(t, m)...)[:3])
	if err == nil || !strings.Contains(err.Error(), "2.bias is missing") {
		t.Errorf("error %v: want it to name the missing bias", err)
	}
}

func mustState(t *testing.T, m *nn.Model) []nn.NamedTensor {
	t.Helper()
	s, err := m.State()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
