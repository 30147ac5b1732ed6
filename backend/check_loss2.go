package backend

import (
	"fmt"
	"math"
)

// L1Loss checks RegressionLosser.L1Loss.
func (ck Checker) L1Loss(loss, dpred, pred, target Tensor) error {
	return ck.loss("l1 loss", loss, dpred, pred, target, false)
}

// HuberLoss checks RegressionLosser.HuberLoss, delta last
// (CheckHuberDelta).
func (ck Checker) HuberLoss(loss, dpred, pred, target Tensor, delta float32) error {
	if err := ck.loss("huber loss", loss, dpred, pred, target, false); err != nil {
		return err
	}
	return CheckHuberDelta("huber loss", delta)
}

// BCEWithLogits checks RegressionLosser.BCEWithLogits.
func (ck Checker) BCEWithLogits(loss, dlogits, logits, target Tensor) error {
	return ck.loss("bce with logits", loss, dlogits, logits, target, false)
}

// CheckHuberDelta validates the delta of the Huber loss: finite and > 0,
// as PyTorch's huber_loss requires.
func CheckHuberDelta(op string, delta float32) error {
	if !(delta > 0) || math.IsInf(float64(delta), 0) {
		return fmt.Errorf("%s: delta %v: want a finite value > 0: %w", op, delta, ErrInvalidArgument)
	}
	return nil
}

// SoftmaxCrossEntropyWeighted checks
// WeightedLosser.SoftmaxCrossEntropyWeighted: the loss's tensors
// (CheckLoss with labels), a weight that is nil or 1×classes and no
// output, and the smoothing last (CheckSmoothing).
func (ck Checker) SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight Tensor, smoothing float32) error {
	const op = "weighted softmax cross-entropy"
	if err := ck.loss(op, loss, dlogits, logits, labels, true); err != nil {
		return err
	}
	if err := ck.ownOptional(op, weight); err != nil {
		return err
	}
	if weight != nil {
		if s, c := weight.Shape(), logits.Shape().Cols; s != (Shape{Rows: 1, Cols: c}) {
			return fmt.Errorf("%s: logits %v, weight %v: want 1×%d: %w", op, logits.Shape(), s, c, ErrShape)
		}
		if weight == loss || (dlogits != nil && weight == dlogits) {
			return fmt.Errorf("%s: weight is also an output: %w", op, ErrAlias)
		}
	}
	return CheckSmoothing(op, smoothing)
}

// CheckSmoothing validates a label smoothing ε: in [0, 1], as PyTorch
// requires.
func CheckSmoothing(op string, smoothing float32) error {
	if !(smoothing >= 0 && smoothing <= 1) {
		return fmt.Errorf("%s: label smoothing %v: want a value in [0, 1]: %w", op, smoothing, ErrInvalidArgument)
	}
	return nil
}
