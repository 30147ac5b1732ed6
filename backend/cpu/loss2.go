package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.RegressionLosser = (*Backend)(nil)

// elementLoss sets l to the mean over all elements of f(pred_i, target_i)
// and, when g is not nil, g_i to df(pred_i, target_i)/count, f and df in
// float64.
func elementLoss(l, g, p, y *Tensor, f func(x, t float64) (v, d float64)) {
	count := float64(len(p.data))
	var total float64
	for i, v := range p.data {
		fv, dv := f(float64(v), float64(y.data[i]))
		total += fv
		if g != nil {
			g.data[i] = float32(dv / count)
		}
	}
	l.data[0] = float32(total / count)
}

// sign is PyTorch's sign: −1, 0 or 1, and 0 for NaN (torch.sign(nan) is
// 0 in torch 1.13, so L1Loss's gradient there is 0; the loss is NaN).
func sign(d float64) float64 {
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

// L1Loss computes the mean of |pred − target| and its gradient
// sign(pred − target)/count when dpred is not nil.
func (be *Backend) L1Loss(loss, dpred, pred, target backend.Tensor) error {
	if err := backend.Check(be).L1Loss(loss, dpred, pred, target); err != nil {
		return err
	}
	g, _ := dpred.(*Tensor) // nil: no gradient wanted
	elementLoss(loss.(*Tensor), g, pred.(*Tensor), target.(*Tensor), l1Element)
	return nil
}

// l1Element is |x − t| and its derivative in x.
func l1Element(x, t float64) (float64, float64) {
	d := x - t
	return math.Abs(d), sign(d)
}

// HuberLoss computes the mean Huber loss of pred − target with threshold
// delta and its gradient clamp(d, −delta, delta)/count when dpred is not
// nil.
func (be *Backend) HuberLoss(loss, dpred, pred, target backend.Tensor, delta float32) error {
	if err := backend.Check(be).HuberLoss(loss, dpred, pred, target, delta); err != nil {
		return err
	}
	g, _ := dpred.(*Tensor) // nil: no gradient wanted
	dl := float64(delta)
	elementLoss(loss.(*Tensor), g, pred.(*Tensor), target.(*Tensor), func(x, t float64) (float64, float64) {
		return huberElement(x-t, dl)
	})
	return nil
}

// huberElement is the Huber loss of d and its derivative:
//
//	|d| ≤ delta: d²/2, d
//	otherwise:   delta·(|d| − delta/2), delta·sign(d)
//
// A NaN d gives NaN for both, as PyTorch's huber_loss does.
func huberElement(d, delta float64) (float64, float64) {
	if math.Abs(d) <= delta || math.IsNaN(d) {
		return 0.5 * d * d, d
	}
	return delta * (math.Abs(d) - 0.5*delta), math.Copysign(delta, d)
}

// BCEWithLogits computes the mean binary cross-entropy of σ(logits)
// against targets in [0, 1], and its gradient (σ(x) − y)/count when dlogits
// is not nil.
func (be *Backend) BCEWithLogits(loss, dlogits, logits, target backend.Tensor) error {
	if err := backend.Check(be).BCEWithLogits(loss, dlogits, logits, target); err != nil {
		return err
	}
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	elementLoss(loss.(*Tensor), g, logits.(*Tensor), target.(*Tensor), bceElement)
	return nil
}

// bceElement is PyTorch's stable binary cross-entropy with logits,
//
//	(1 − y)·x + max(−x, 0) + log1p(exp(−|x|))
//
// and its derivative σ(x) − y. Any infinite x gives a NaN or +Inf loss, as
// PyTorch's formula does ((1 − y)·x + max(−x, 0) is ∞ − ∞ or 0·∞ there).
func bceElement(x, y float64) (float64, float64) {
	v := (1-y)*x + math.Max(-x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
	return v, sigmoid64(x) - y
}

// sigmoid64 is 1/(1+exp(−x)), as exp(x)/(1+exp(x)) for negative x.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
