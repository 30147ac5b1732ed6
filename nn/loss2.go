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

// checkLabels refuses a regression loss in op (the Trainer, Evaluate),
// whose data sets (data.Set, DeviceSet) hold class labels, not the
// real-valued targets these losses compare with: the scores would be
// compared with label numbers, or fail a shape check deep in the graph.
// Apply takes the targets directly.
func (l Loss) checkLabels(op string) error {
	if l.Regression() {
		return fmt.Errorf("nn: %s: loss %v compares the scores with real-valued targets, but the data set holds class labels (use Loss.Apply with a targets tensor): %w", op, l, backend.ErrInvalidArgument)
	}
	return nil
}
