package nn

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn/data"
)

// smallTensors is a backend whose tensors hold at most limit elements, as
// every backend's hold at most backend.MaxElems: a test's stand-in for a
// layer of millions of units.
type smallTensors struct {
	backend.Backend
	limit int
}

func (s smallTensors) SoftmaxForward(dst, x backend.Tensor) error {
	return s.Backend.(backend.Softmaxer).SoftmaxForward(dst, x)
}

func (s smallTensors) SoftmaxBackward(dx, y, dy backend.Tensor) error {
	return s.Backend.(backend.Softmaxer).SoftmaxBackward(dx, y, dy)
}

func (s smallTensors) New(sh backend.Shape) (backend.Tensor, error) {
	if sh.Len() > s.limit {
		return nil, fmt.Errorf("new: shape %v: over the %d elements of a tensor: %w", sh, s.limit, backend.ErrShape)
	}
	return s.Backend.New(sh)
}

// TestEvaluationBatchesFitTheElementLimit (issue 22, Medium 2): a layer
// wide enough to train in small batches (3 million units in batches of 16)
// was too wide to evaluate or predict, whose batches of 1024 and 4096 rows
// made tensors over the element limit. Evaluate, Predict and Probabilities
// now size their batches to it, with the same results. Here the limit is
// 4000 elements and the layer 300 units wide: batches of 13 rows.
func TestEvaluationBatchesFitTheElementLimit(t *testing.T) {
	defer func(old int) { maxTensorElems = old }(maxTensorElems)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, err := data.Spiral(20, 3, 1) // 60 rows of 2 features
		if err != nil {
			t.Fatal(err)
		}
		run := func(b backend.Backend) (loss, acc float64, classes []int, probs [][]float32) {
			m, err := MLP(2, []int{300}, 3, ReLU).Build(b, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			ds, err := Upload(b, set)
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Release()
			if loss, acc, err = Evaluate(m, SoftmaxCrossEntropy, ds, 0); err != nil {
				t.Fatalf("%s: evaluate: %v", b.Name(), err)
			}
			if classes, err = Predict(m, set.X); err != nil {
				t.Fatalf("%s: predict: %v", b.Name(), err)
			}
			if probs, err = Probabilities(m, set.X); err != nil {
				t.Fatalf("%s: probabilities: %v", b.Name(), err)
			}
			return loss, acc, classes, probs
		}
		maxTensorElems = backend.MaxElems
		wantLoss, wantAcc, wantClasses, wantProbs := run(b)
		maxTensorElems = 4000
		loss, acc, classes, probs := run(smallTensors{b, 4000})
		if math.Abs(loss-wantLoss) > 1e-5 || acc != wantAcc {
			t.Errorf("loss %v, accuracy %v in small batches; %v, %v in one", loss, acc, wantLoss, wantAcc)
		}
		if fmt.Sprint(classes) != fmt.Sprint(wantClasses) || len(probs) != len(wantProbs) {
			t.Errorf("predictions differ in small batches")
		}
		for i := range probs {
			for k := range probs[i] {
				if math.Abs(float64(probs[i][k]-wantProbs[i][k])) > 1e-6 {
					t.Fatalf("row %d: probabilities %v in small batches, %v in one", i, probs[i], wantProbs[i])
				}
			}
		}
	})
}
