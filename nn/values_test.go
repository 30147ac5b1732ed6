package nn_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestInvalidValuesRefused: values the library accepted silently (issue 22,
// medium 10) are clear errors: an out-of-range Loss to Fit and Evaluate, an
// optimiser after Release (Step and Save), NaN or Inf features to Predict and
// Probabilities, a Standardizer with a zero or extreme deviation (Predict and
// Save), a set with more classes than float32 labels hold, a NaN LeakyReLU
// slope at NewModel, ParseSchedule with a rate of NaN, −1 or +Inf, and
// Evaluate with a negative batch.
func TestInvalidValuesRefused(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1)
	dev, err := nn.Upload(b, set)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Release()
	newModel := func() *nn.Model {
		m, err := nn.MLP(2, []int{4}, 3, nn.ReLU).Build(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Release() })
		return m
	}
	want := func(what string, err error, sub string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), sub) {
			t.Errorf("%s: error %v, want one saying %q", what, err, sub)
		}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))

	for _, l := range []nn.Loss{-1, 6, 7} {
		m := newModel()
		opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
		_, err := (&nn.Trainer{Model: m, Loss: l, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set}).Fit(context.Background())
		want("Fit with an invalid Loss", err, "is not a Loss (valid: softmax, svm, mse, l1, huber, bce)")
		_, _, err = nn.Evaluate(m, l, dev, 0)
		want("Evaluate with an invalid Loss", err, "is not a Loss")
		opt.Release()
	}
	m := newModel()
	_, _, err = nn.Evaluate(m, nn.SoftmaxCrossEntropy, dev, -5)
	want("Evaluate with batch −5", err, "batch size -5: want 0 (1024) or more")
	opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	defer opt.Release()
	_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set, EvalBatch: -5}).Fit(context.Background())
	want("Fit with EvalBatch −5", err, "evaluation batch -5: want 0 (1024) or more")
	_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set, LogEvery: -5}).Fit(context.Background())
	want("Fit with LogEvery −5", err, "LogEvery -5: want 0 (50) or more")

	for _, name := range []string{"sgd", "momentum", "adam"} {
		m := newModel()
		opt, err := nn.NewOptimizer(name, b, m.Parameters(), 0.1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := opt.Release(); err != nil {
			t.Fatal(err)
		}
		err = opt.Step()
		if !errors.Is(err, backend.ErrReleased) {
			t.Errorf("%s: Step after Release: %v, want ErrReleased", name, err)
		}
		_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set}).Fit(context.Background())
		want(name+": Fit with a released optimiser", err, "step after Release")
		err = nn.Save(filepath.Join(t.TempDir(), "m.safetensors"), m, &nn.TrainState{Epochs: 1, Steps: 1, Optimizer: opt})
		want(name+": Save with a released optimiser", err, "the optimiser was released")
	}

	m = newModel()
	for _, x := range [][]float32{{0, 0, nan, 1}, {0, 0, 1, inf}, {0, 0, 1, -inf}} {
		_, err := nn.Predict(m, x)
		want("Predict of a non-finite feature", err, "row 1, feature")
		_, err = nn.Probabilities(m, x)
		want("Probabilities of a non-finite feature", err, "want finite features")
	}
	for _, st := range []data.Standardizer{
		{Mean: []float64{0, 0}, Std: []float64{1, 0}},
		{Mean: []float64{0, 0}, Std: []float64{1, 1e-300}},
		{Mean: []float64{0, 1e300}, Std: []float64{1, 1}},
		{Mean: []float64{0, 0}, Std: []float64{1, math.NaN()}},
	} {
		m.Standardizer = &st
		_, err := nn.Predict(m, []float32{1, 2})
		want("Predict with a bad Standardizer", err, "the Standardizer: ")
		err = nn.Save(filepath.Join(t.TempDir(), "m.safetensors"), m, nil)
		want("Save with a bad Standardizer", err, `"standardize": `)
	}
	m.Standardizer = nil

	big := data.Set{Name: "big", Features: 1, Classes: 1<<24 + 2, X: []float32{0}, Labels: []int{1<<24 + 1}}
	want("a label above 2^24", big.Validate(), "want 1 to 16777216")

	slope := backend.Activation{Kind: backend.LeakyReLU, Params: [2]float32{nan}}
	for _, net := range []nn.Module{
		nn.Seq(&nn.Linear{In: 2, Out: 3}, nn.Act(slope)),
		nn.Seq(nn.Act(slope), &nn.Linear{In: 2, Out: 3}),
		nn.Seq(&nn.Linear{In: 2, Out: 3}, &nn.Activation{F: slope}),
	} {
		if m, err := nn.NewModel(b, net, 2, 1); err == nil {
			m.Release()
			t.Error("NewModel with a NaN LeakyReLU slope: no error")
		} else {
			want("NewModel with a NaN LeakyReLU slope", err, "leakyrelu parameter NaN")
		}
	}

	for _, lr := range []float32{nan, -1, 0, inf} {
		for _, s := range []string{"constant", "step", "cosine"} {
			_, err := nn.ParseSchedule(s, lr, 10)
			want("ParseSchedule with lr "+s, err, "want a finite number > 0")
		}
	}
	_, err = nn.ParseSchedule("cosine", 0.1, 0)
	want("ParseSchedule over 0 epochs", err, "0 epochs")
}
