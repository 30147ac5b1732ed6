package nn_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// linearTargets is 64 points of 2 features in [-1, 1] with two targets,
// y0 = 2x0 − x1 + 0.5 and y1 = 0.5x0, or for labels the multi-label 0/1
// targets [x0 > 0, x1 > 0].
func linearTargets(labels bool) data.Set {
	r := backend.NewRand(5)
	s := data.Set{Name: "linear", Features: 2, Outputs: 2}
	for range 64 {
		x0, x1 := 2*r.Float32()-1, 2*r.Float32()-1
		s.X = append(s.X, x0, x1)
		if labels {
			s.Targets = append(s.Targets, step(x0), step(x1))
		} else {
			s.Targets = append(s.Targets, 2*x0-x1+0.5, 0.5*x0)
		}
	}
	return s
}

func step(x float32) float32 {
	if x > 0 {
		return 1
	}
	return 0
}

// trainTargets trains a linear model on set with Adam (lr 0.05, full
// batch) for steps steps and returns its metrics on set.
func trainTargets(t *testing.T, b backend.Backend, loss nn.Loss, set data.Set, steps int) (float64, nn.RegressionMetrics) {
	t.Helper()
	m, err := nn.MLP(2, nil, 2, nn.Identity).Build(b, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Release()
	tr := nn.Trainer{Model: m, Loss: loss, Optimizer: opt, Epochs: steps, BatchSize: set.Len(), Train: set, Val: set, LogEvery: 100}
	h, err := tr.Fit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := h.Epochs[len(h.Epochs)-1]
	if !math.IsNaN(last.Accuracy) || last.ValRegression == nil {
		t.Errorf("%v: epoch stats: accuracy %v (want NaN for targets), val regression %v (want set)", loss, last.Accuracy, last.ValRegression)
	}
	ds, err := nn.Upload(b, set)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Release()
	l, rm, err := nn.EvaluateRegression(m, loss, ds, 0) // the Trainer's batches: the same sums
	if err != nil {
		t.Fatal(err)
	}
	if v := last.ValRegression; v.MAE != rm.MAE || v.RMSE != rm.RMSE || v.R2 != rm.R2 || last.ValLoss != l {
		t.Errorf("%v: the last epoch's validation %v (loss %v) differs from EvaluateRegression's %v (loss %v)", loss, *last.ValRegression, last.ValLoss, rm, l)
	}
	return l, rm
}

// TestTrainerRegression: a linear model fits linear targets with each
// regression loss on every backend. Full-batch Adam at lr 0.05 for 300
// steps brings MSE near 1e-5 on the CPU; the bounds (R² ≥ 0.999, MAE ≤
// 0.03) leave an order of magnitude for L1 and Huber's slower end and
// for float32 on the GPU. BCE on separable multi-label targets reaches
// full per-label accuracy but for points near the boundary: ≥ 0.95.
func TestTrainerRegression(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for _, loss := range []nn.Loss{nn.MeanSquaredError, nn.L1, nn.Huber} {
			l, rm := trainTargets(t, b, loss, linearTargets(false), 300)
			if rm.R2 < 0.999 || rm.MAE > 0.03 || rm.RMSE < rm.MAE || !(l >= 0) {
				t.Errorf("%v: loss %v, R2 %v, MAE %v, RMSE %v; want R2 ≥ 0.999, MAE ≤ 0.03, RMSE ≥ MAE", loss, l, rm.R2, rm.MAE, rm.RMSE)
			}
		}
		_, rm := trainTargets(t, b, nn.BCEWithLogits, linearTargets(true), 300)
		if rm.LabelAccuracy < 0.95 || rm.ExactMatch < 0.9 {
			t.Errorf("bce: label accuracy %v, exact match %v; want ≥ 0.95, ≥ 0.9", rm.LabelAccuracy, rm.ExactMatch)
		}
	})
}

// TestTrainerTaskErrors: a loss that does not fit the data, targets BCE
// cannot take, and a model of the wrong width are refused before training.
func TestTrainerTaskErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	spiral, err := data.Spiral(10, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	reals := linearTargets(false)
	for i, tc := range []struct {
		name  string
		loss  nn.Loss
		set   data.Set
		out   int
		err   string
		inval bool
	}{
		{"huber with labels", nn.Huber, spiral, 3, "loss huber compares the scores with real-valued targets, but spiral holds class labels", true},
		{"softmax with targets", nn.SoftmaxCrossEntropy, reals, 2, "loss softmax compares the scores with class labels, but linear holds real-valued targets (use mse, l1, huber or bce)", true},
		{"bce outside [0,1]", nn.BCEWithLogits, reals, 2, "loss bce: data: set \"linear\": sample 0: target 1 is -0.18", false},
		{"too many outputs", nn.MeanSquaredError, reals, 3, "has 3 outputs, but linear has 2 targets a row", false},
	} {
		m, err := nn.MLP(2, nil, tc.out, nn.Identity).Build(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
		if err != nil {
			t.Fatal(err)
		}
		tr := nn.Trainer{Model: m, Loss: tc.loss, Optimizer: opt, Epochs: 1, BatchSize: 8, Train: tc.set}
		_, err = tr.Fit(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.err) || tc.inval != errors.Is(err, backend.ErrInvalidArgument) {
			t.Errorf("%d (%s): error %v, want one containing %q (ErrInvalidArgument: %v)", i, tc.name, err, tc.err, tc.inval)
		}
		opt.Release()
		m.Release()
	}
}

// TestPredictValues: the outputs of a model, row-major, through its
// Standardizer; σ of them for BCEWithLogits. Exact: small binary fractions.
func TestPredictValues(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.MLP(1, nil, 2, nn.Identity).Build(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	ps := m.Parameters() // weight held in×out (1×2), bias 1×2
	if err := errors.Join(b.Upload(ps[0].Tensor(), []float32{2, -1}), b.Upload(ps[1].Tensor(), []float32{0.5, 0})); err != nil {
		t.Fatal(err)
	}
	m.Standardizer = &data.Standardizer{Mean: []float64{1}, Std: []float64{2}}
	got, err := nn.PredictValues(m, []float32{1, 3}) // standardised: 0, 1
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{0.5, 0, 2.5, -1}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	m.Loss = nn.BCEWithLogits
	if got, err = nn.PredictValues(m, []float32{1}); err != nil || got[1] != 0.5 || math.Abs(float64(got[0])-1/(1+math.Exp(-0.5))) > 1e-7 {
		t.Errorf("bce: got %v (%v), want [σ(0.5) 0.5]", got, err)
	}
}
