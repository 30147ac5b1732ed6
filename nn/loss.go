package nn

import (
	"fmt"
	"strings"

	"gltrain/autograd"
	"gltrain/backend"
)

// Loss is the training objective comparing a network's scores with class
// labels or, for the regression losses (Regression), with real-valued
// targets of the scores' shape.
type Loss int

const (
	// SoftmaxCrossEntropy is −log softmax(scores)[label], averaged over the
	// batch.
	SoftmaxCrossEntropy Loss = iota
	// SVMHinge is the multiclass hinge loss of a linear classifier with
	// margin 1, Σ_{j≠y} max(0, s_j − s_y + 1), averaged over the batch.
	SVMHinge
	// MeanSquaredError compares the scores with one-hot targets, averaged
	// over every score.
	MeanSquaredError
	// L1 is |scores − targets| averaged over every score, against
	// real-valued targets (PyTorch's torch.nn.L1Loss()); see loss2.go.
	L1
	// Huber is the Huber loss of scores − targets with delta 1, averaged
	// over every score, against real-valued targets (PyTorch's
	// torch.nn.HuberLoss(), equal to torch.nn.SmoothL1Loss() at delta 1).
	Huber
	// BCEWithLogits is the binary cross-entropy of σ(scores) against
	// targets in [0, 1], averaged over every score: one output for a binary
	// classifier, several for multi-label targets (PyTorch's
	// torch.nn.BCEWithLogitsLoss()).
	BCEWithLogits
)

// lossNames are the losses' names in checkpoints and on the command line;
// a name, once saved, never changes.
var lossNames = []string{SoftmaxCrossEntropy: "softmax", SVMHinge: "svm", MeanSquaredError: "mse",
	L1: "l1", Huber: "huber", BCEWithLogits: "bce"}

// String is the loss's short name, as ParseLoss reads it.
func (l Loss) String() string {
	if l >= 0 && int(l) < len(lossNames) {
		return lossNames[l]
	}
	return fmt.Sprintf("loss(%d)", int(l))
}

// ParseLoss reads "softmax" (also "crossentropy", "ce"), "svm" (also
// "hinge"), "mse", "l1", "huber" (also "smoothl1") or "bce" (also
// "bcewithlogits").
func ParseLoss(s string) (Loss, error) {
	switch strings.ToLower(s) {
	case "softmax", "crossentropy", "cross-entropy", "ce":
		return SoftmaxCrossEntropy, nil
	case "svm", "hinge":
		return SVMHinge, nil
	case "mse":
		return MeanSquaredError, nil
	case "l1":
		return L1, nil
	case "huber", "smoothl1":
		return Huber, nil
	case "bce", "bcewithlogits":
		return BCEWithLogits, nil
	}
	return 0, fmt.Errorf("unknown loss %s (valid: %s)", excerpt(s), strings.Join(lossNames, ", "))
}

// check refuses a Loss that is none of the constants (a Loss(7) made by a
// conversion), which Apply would otherwise take for cross-entropy, and one
// that does not fit the data (checkTask): a set of class labels, or of
// real-valued targets when targets is true.
func (l Loss) check(op, set string, targets bool) error {
	if l < 0 || int(l) >= len(lossNames) {
		return fmt.Errorf("nn: %s: loss %d is not a Loss (valid: %s): %w", op, int(l), strings.Join(lossNames, ", "), backend.ErrInvalidArgument)
	}
	return l.checkTask(op, set, targets)
}

// NeedsOneHot reports whether the loss compares scores with one-hot targets.
func (l Loss) NeedsOneHot() bool { return l == MeanSquaredError }

// Apply records the loss of scores (batch×classes) against labels
// (batch×1) on g. For MeanSquaredError, onehot is a batch×classes tensor the
// caller owns, into which the one-hot targets are written on the device;
// the other losses ignore it. For the regression losses (Regression),
// labels holds the real-valued targets, of the scores' shape. Errors of the
// graph's operations are the graph's (g.Err); the error returned is that of
// writing the targets.
func (l Loss) Apply(g *autograd.Graph, scores, labels *autograd.Value, onehot backend.Tensor) (*autograd.Value, error) {
	if l.Regression() {
		return l.applyRegression(g, scores, labels), nil
	}
	switch l {
	case SVMHinge:
		return g.SVMHinge(scores, labels, 1), nil
	case MeanSquaredError:
		if err := g.Backend().OneHot(onehot, labels.Tensor()); err != nil {
			return nil, fmt.Errorf("nn: mse targets: %w", err)
		}
		return g.MeanSquaredError(scores, g.Input(onehot)), nil
	}
	return g.SoftmaxCrossEntropy(scores, labels), nil
}

// applyCounting records the loss like Apply and sets correct (1×1) to the
// number of rows whose largest score is at the label, as CountCorrect
// counts them. Cross-entropy counts while it reads the scores
// (autograd's SoftmaxCrossEntropyCount: one fused kernel on backends that
// have it, else the two calls); the other losses call CountCorrect after
// recording. When the graph holds an error, nothing is counted: the error is
// the graph's.
func (l Loss) applyCounting(g *autograd.Graph, scores, labels *autograd.Value, onehot, correct backend.Tensor) (*autograd.Value, error) {
	if l == SoftmaxCrossEntropy {
		return g.SoftmaxCrossEntropyCount(scores, labels, correct), nil
	}
	loss, err := l.Apply(g, scores, labels, onehot)
	if err != nil || g.Err() != nil {
		return loss, err
	}
	return loss, g.Backend().CountCorrect(correct, scores.Tensor(), labels.Tensor())
}
