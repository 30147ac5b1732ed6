package backend

import "fmt"

// SoftmaxCrossEntropyCounter is an optional fast path of Losser, found by
// type assertion: the loss, its gradient and the correct-count of a
// classification batch in one pass over the logits, where SoftmaxCrossEntropy
// followed by CountCorrect reads them twice. A training step that reports
// its accuracy needs one call instead of two, and on a device fewer
// dispatches.
type SoftmaxCrossEntropyCounter interface {
	// SoftmaxCrossEntropyCount computes, for logits (batch×classes) and
	// integer labels (batch×1),
	//	loss    = 1/batch · Σ_i [log Σ_j exp(x_ij) − x_i,y_i]
	//	dlogits = (softmax(x) − onehot(y)) / batch      (when not nil)
	//	correct = #{i : argmax_j x_ij = y_i}
	// where argmax is Argmax's (the first maximum, NaN skipped). loss and
	// dlogits are SoftmaxCrossEntropy's and correct is CountCorrect's, to
	// the bit. loss and correct are 1×1 and distinct; neither they nor
	// dlogits may be an input (CheckSoftmaxCrossEntropyCount).
	SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels Tensor) error
}

// CheckSoftmaxCrossEntropyCount validates the tensors of
// SoftmaxCrossEntropyCount, all of one backend and resolved by it: those of
// the loss (CheckLoss), those of the count (CheckCountCorrect), and a
// correct tensor that is none of the others.
func CheckSoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels Tensor) error {
	const op = "softmax cross-entropy count"
	if err := CheckLoss(op, loss, dlogits, logits, labels, true); err != nil {
		return err
	}
	if err := CheckCountCorrect(correct.Shape(), logits.Shape(), labels.Shape()); err != nil {
		return err
	}
	if correct == loss || correct == logits || correct == labels || (dlogits != nil && correct == dlogits) {
		return fmt.Errorf("%s: correct-count output is also another operand: %w", op, ErrAlias)
	}
	return nil
}
