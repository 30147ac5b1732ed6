package backend

import "fmt"

// PosWeightedBCE is an optional part of Losser, found by type assertion:
// BCEWithLogits with a weight on each column's positive term, PyTorch's
// torch.nn.BCEWithLogitsLoss(pos_weight=p) (mean), which trades recall
// against precision per label of a multi-label target. For logits x and
// targets y (m×n) and p (1×n), with lw = 1 + (p_j − 1)·y:
//
//	loss    = 1/(m·n) · Σ −[p_j·y·log σ(x) + (1 − y)·log(1 − σ(x))]
//	        = 1/(m·n) · Σ (1 − y)·x + lw·(max(−x, 0) + log(1 + exp(−|x|)))
//	dlogits = ((p_j·y + 1 − y)·σ(x) − p_j·y) / (m·n)
//
// in PyTorch's stable form, where σ(x) = 1/(1+exp(−x)). With every p_j = 1
// it is RegressionLosser.BCEWithLogits. The target and p receive no
// gradient. A NaN or ±Inf among x, y or p gives what PyTorch's formulas
// give at it (NaN, or ±Inf).
type PosWeightedBCE interface {
	// BCEWithLogitsPosWeight writes the loss above into loss (1×1) and,
	// when dlogits is not nil, its gradient. It returns ErrShape for shapes
	// that do not fit (posWeight must be 1×n), ErrAlias when an output is
	// an input, and ErrForeign for a nil tensor or another backend's.
	BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight Tensor) error
}

// CheckPosWeight validates BCEWithLogitsPosWeight's posWeight against
// logits: 1×n for n columns of logits.
func CheckPosWeight(op string, logits, posWeight Shape) error {
	if posWeight != (Shape{Rows: 1, Cols: logits.Cols}) {
		return fmt.Errorf("%s: logits %v, pos_weight %v: want 1×%d: %w", op, logits, posWeight, logits.Cols, ErrShape)
	}
	return nil
}

// BCEWithLogitsPosWeight checks PosWeightedBCE.BCEWithLogitsPosWeight: the
// loss's tensors as BCEWithLogits, then posWeight (CheckPosWeight), which
// may not be an output.
func (ck Checker) BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight Tensor) error {
	const op = "bce with logits pos_weight"
	if err := ck.loss(op, loss, dlogits, logits, target, false); err != nil {
		return err
	}
	if err := ck.own(op, posWeight); err != nil {
		return err
	}
	if err := CheckPosWeight(op, logits.Shape(), posWeight.Shape()); err != nil {
		return err
	}
	if posWeight == loss || (dlogits != nil && posWeight == dlogits) {
		return fmt.Errorf("%s: pos_weight is also an output: %w", op, ErrAlias)
	}
	return nil
}
