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
