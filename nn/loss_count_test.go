package nn_test

import (
	"context"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// withoutFusedLoss returns b without its SoftmaxCrossEntropyCounter, so that
// training falls back to SoftmaxCrossEntropy and CountCorrect, keeping the
// optional interfaces that change how parameters are stored (Packer) and how
// linear layers are computed (LinearFuser), so that only the loss differs.
func withoutFusedLoss(b backend.Backend) backend.Backend {
	pk, packs := b.(backend.Packer)
	lf, fuses := b.(backend.LinearFuser)
	switch {
	case packs && fuses:
		return struct {
			backend.Backend
			backend.Packer
			backend.LinearFuser
		}{b, pk, lf}
	case packs:
		return struct {
			backend.Backend
			backend.Packer
		}{b, pk}
	case fuses:
		return struct {
			backend.Backend
			backend.LinearFuser
		}{b, lf}
	}
	return struct{ backend.Backend }{b}
}

// TestFusedLossKeepsHistory trains the same seeded model twice on each
// backend, once counting the correct rows in the cross-entropy's own kernel
// and once with the separate CountCorrect, and requires the same history to
// the bit: every step's loss, each epoch's loss and accuracy, and the
// validation loss and accuracy (Evaluate counts the same way).
func TestFusedLossKeepsHistory(t *testing.T) {
	set, err := data.Spiral(100, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	train, val, _ := set.Split(0.2, 1)
	history := func(t *testing.T, b backend.Backend) *nn.History {
		m, err := nn.MLP(2, []int{32}, 3, nn.ReLU).Build(b, 7)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		opt, _ := nn.NewOptimizer("momentum", b, m.Parameters(), 0.1, 1e-3)
		defer opt.Release()
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 3, BatchSize: 50, Seed: 3, Train: train, Val: val, LogEvery: 4, EvalBatch: 37}
		h, err := tr.Fit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.SoftmaxCrossEntropyCounter); !ok {
			t.Skipf("%s has no fused loss and count", b.Name())
		}
		got, want := history(t, b), history(t, withoutFusedLoss(b))
		if len(got.StepLoss) != len(want.StepLoss) || len(got.Epochs) != len(want.Epochs) {
			t.Fatalf("%d steps and %d epochs, want %d and %d", len(got.StepLoss), len(got.Epochs), len(want.StepLoss), len(want.Epochs))
		}
		for i, l := range want.StepLoss {
			if math.Float32bits(got.StepLoss[i]) != math.Float32bits(l) {
				t.Errorf("step %d: loss %v, want %v", i+1, got.StepLoss[i], l)
			}
		}
		for i, e := range want.Epochs {
			g := got.Epochs[i]
			for _, v := range []struct {
				what      string
				got, want float64
			}{{"loss", g.Loss, e.Loss}, {"accuracy", g.Accuracy, e.Accuracy}, {"val loss", g.ValLoss, e.ValLoss}, {"val accuracy", g.ValAccuracy, e.ValAccuracy}} {
				if math.Float64bits(v.got) != math.Float64bits(v.want) {
					t.Errorf("epoch %d: %s %v, want %v", i+1, v.what, v.got, v.want)
				}
			}
		}
		last := want.Epochs[len(want.Epochs)-1]
		t.Logf("%s: epoch %d accuracy %.3f, val accuracy %.3f", b.Name(), last.Epoch, last.Accuracy, last.ValAccuracy)
	})
}
