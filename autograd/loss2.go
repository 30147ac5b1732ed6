package autograd

import (
	"fmt"

	"gltrain/backend"
)

// L1Loss returns the mean of |pred − target| over every element, a 1×1
// value (PyTorch's torch.nn.L1Loss()); pred and target have one shape, and
// both may require gradients:
//
//	∂loss/∂pred = −∂loss/∂target = sign(pred − target) / count
//
// with sign(0) = 0. The graph's backend must implement
// backend.RegressionLosser; otherwise the error wraps
// errors.ErrUnsupported.
func (g *Graph) L1Loss(pred, target *Value) *Value {
	return g.loss(opL1Loss, pred, target, 0)
}

// HuberLoss returns the mean Huber loss of d = pred − target over every
// element, a 1×1 value (PyTorch's torch.nn.HuberLoss(delta=delta); with
// delta 1 also torch.nn.SmoothL1Loss()):
//
//	d²/2 where |d| ≤ delta, else delta·(|d| − delta/2)
//	∂loss/∂pred = −∂loss/∂target = clamp(d, −delta, delta) / count
//
// delta must be finite and > 0. As L1Loss, it needs a
// backend.RegressionLosser.
func (g *Graph) HuberLoss(pred, target *Value, delta float32) *Value {
	return g.loss(opHuberLoss, pred, target, delta)
}

// BCEWithLogits returns the mean binary cross-entropy of σ(logits) against
// targets in [0, 1] of the same shape, over every element, a 1×1 value
// (PyTorch's torch.nn.BCEWithLogitsLoss()): one column for a binary
// classifier, several for multi-label targets.
//
//	loss = 1/count · Σ (1 − y)·x + max(−x, 0) + log(1 + exp(−|x|))
//	∂loss/∂logits = (σ(x) − y) / count
//
// No gradient flows into target. As L1Loss, it needs a
// backend.RegressionLosser.
func (g *Graph) BCEWithLogits(logits, target *Value) *Value {
	return g.loss(opBCEWithLogits, logits, target, 0)
}

// elementLoss reports whether op compares predictions with targets of their
// own shape, element by element (not with class labels).
func (op opKind) elementLoss() bool {
	return op == opMeanSquaredError || op == opL1Loss || op == opHuberLoss || op == opBCEWithLogits
}

// targetGrad reports whether op's target receives a gradient, the
// negative of the prediction's: the regression losses of pred − target.
func (op opKind) targetGrad() bool {
	return op == opMeanSquaredError || op == opL1Loss || op == opHuberLoss
}

// regressionLossKernel runs the backend.RegressionLosser kernel of op;
// alpha is HuberLoss's delta.
func (g *Graph) regressionLossKernel(op opKind, l, grad backend.Tensor, pred, target *Value, alpha float32) error {
	rb, ok := g.b.(backend.RegressionLosser)
	if !ok {
		return fmt.Errorf("%s: backend %s does not implement backend.RegressionLosser: %w", op, g.b.Name(), backend.ErrUnsupported)
	}
	switch op {
	case opL1Loss:
		return rb.L1Loss(l, grad, pred.t, target.t)
	case opHuberLoss:
		return rb.HuberLoss(l, grad, pred.t, target.t, alpha)
	case opBCEWithLogits:
		return rb.BCEWithLogits(l, grad, pred.t, target.t)
	}
	panic("autograd: " + op.String() + " is not a loss") // our invariant: lossKernel's callers pass losses
}

// SoftmaxCrossEntropyWeighted returns PyTorch's
// torch.nn.CrossEntropyLoss(weight=w, label_smoothing=ε) of logits
// (batch×C) against integer class labels (batch×1), a 1×1 value; weight is
// a 1×C value of class weights, or nil for all 1. With lp = log softmax and
// W = Σ_i w_{label_i} (batch when weight is nil):
//
//	loss = 1/W · Σ_i [ (1−ε)·w_{y_i}·(−lp_{i,y_i}) + ε/C · Σ_j w_j·(−lp_ij) ]
//
// ε is in [0, 1]. No gradient flows into labels or weight. It needs a
// backend.WeightedLosser; otherwise the error wraps errors.ErrUnsupported.
func (g *Graph) SoftmaxCrossEntropyWeighted(logits, labels, weight *Value, smoothing float32) *Value {
	const op = opSoftmaxCrossEntropyWeighted
	if weight != nil && !g.valid(op.String(), weight) {
		return g.bad
	}
	out := g.lossNode(op, logits, labels, smoothing)
	if out == g.bad {
		return out
	}
	out.bias = weight
	return g.done(out, g.weightedLossKernel(out.t, out.cache, logits, labels, weight, smoothing))
}

// weightedLossKernel runs the backend.WeightedLosser kernel.
func (g *Graph) weightedLossKernel(l, grad backend.Tensor, logits, labels, weight *Value, smoothing float32) error {
	wb, ok := g.b.(backend.WeightedLosser)
	if !ok {
		return fmt.Errorf("%s: backend %s does not implement backend.WeightedLosser: %w", opSoftmaxCrossEntropyWeighted, g.b.Name(), backend.ErrUnsupported)
	}
	var w backend.Tensor
	if weight != nil {
		w = weight.t
	}
	return wb.SoftmaxCrossEntropyWeighted(l, grad, logits.t, labels.t, w, smoothing)
}

// nodeLossKernel runs loss node n's kernel again (lossBackward, when the
// cached gradient was given away): lossKernel's, with the class weights the
// weighted cross-entropy keeps in n.bias, or BCEWithLogitsPosWeight's
// pos_weight.
func (g *Graph) nodeLossKernel(n *Value, l, grad backend.Tensor, pred, target *Value) error {
	if n.op == opSoftmaxCrossEntropyWeighted {
		return g.weightedLossKernel(l, grad, pred, target, n.bias, n.alpha)
	}
	if n.op == opBCEWithLogits && n.bias != nil {
		return g.posWeightKernel(l, grad, pred, target, n.bias)
	}
	return g.lossKernel(n.op, l, grad, pred, target, n.alpha)
}
