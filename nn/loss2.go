package nn

import (
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// HuberDelta is the delta of the Huber loss, PyTorch's default.
const HuberDelta = 1

// Regression reports whether the loss compares the scores with real-valued
// targets of their own shape (L1, Huber, BCEWithLogits) rather than with
// class labels. MeanSquaredError, which compares with one-hot targets made
// from class labels, is not one.
func (l Loss) Regression() bool { return l == L1 || l == Huber || l == BCEWithLogits }

// applyRegression records a regression loss of scores against targets of
// their shape on g.
func (l Loss) applyRegression(g *autograd.Graph, scores, targets *autograd.Value) *autograd.Value {
	switch l {
	case L1:
		return g.L1Loss(scores, targets)
	case Huber:
		return g.HuberLoss(scores, targets, HuberDelta)
	}
	return g.BCEWithLogits(scores, targets)
}

// checkTask refuses a loss that does not fit the kind of data set op (the
// Trainer, Evaluate) is given: a regression loss with class labels (the
// scores would be compared with label numbers), a classification loss
// (softmax, SVM) with real-valued targets (data.Set.Targets). Mean squared
// error takes either: one-hot targets made from class labels, or the
// targets as they are.
func (l Loss) checkTask(op, set string, targets bool) error {
	switch {
	case l.Regression() && !targets:
		return fmt.Errorf("nn: %s: loss %v compares the scores with real-valued targets, but %s holds class labels (a data.Set with Targets, or Loss.Apply with a targets tensor): %w", op, l, set, backend.ErrInvalidArgument)
	case targets && l != MeanSquaredError && !l.Regression():
		return fmt.Errorf("nn: %s: loss %v compares the scores with class labels, but %s holds real-valued targets (use mse, l1, huber or bce): %w", op, l, set, backend.ErrInvalidArgument)
	}
	return nil
}

// applyTargets records the loss of scores against real-valued targets of
// their shape: mean squared error as it is (no one-hot), the others as
// Apply.
func (l Loss) applyTargets(g *autograd.Graph, scores, targets *autograd.Value) *autograd.Value {
	if l == MeanSquaredError {
		return g.MeanSquaredError(scores, targets)
	}
	return l.applyRegression(g, scores, targets)
}
