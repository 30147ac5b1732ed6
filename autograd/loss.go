package autograd

import (
	"fmt"

	"gltrain/backend"
)

// SoftmaxCrossEntropy returns the mean cross-entropy of softmax(logits)
// (batch×classes) against integer class labels (batch×1), a 1×1 value:
//
//	loss = 1/batch · Σ_i [log Σ_j exp(logits_ij) − logits_i,label_i]
//
// No gradient flows into labels.
func (g *Graph) SoftmaxCrossEntropy(logits, labels *Value) *Value {
	return g.loss(opSoftmaxCrossEntropy, logits, labels, 0)
}

// MeanSquaredError returns the mean of (pred − target)² over every element, a
// 1×1 value; pred and target have one shape. Both may require gradients.
func (g *Graph) MeanSquaredError(pred, target *Value) *Value {
	return g.loss(opMeanSquaredError, pred, target, 0)
}

// SVMHinge returns the mean multiclass hinge loss of scores (batch×classes)
// against integer class labels (batch×1), a 1×1 value:
//
//	loss = 1/batch · Σ_i Σ_{j≠label_i} max(0, s_ij − s_i,label_i + margin)
//
// No gradient flows into labels. A negative margin is an error.
func (g *Graph) SVMHinge(scores, labels *Value, margin float32) *Value {
	return g.loss(opSVMHinge, scores, labels, margin)
}

// loss computes one of the losses. When the predictions need a gradient, the
// backend kernel writes ∂loss/∂pred into the node's cache in the same pass,
// for the backward step; otherwise it is given no gradient tensor.
func (g *Graph) loss(op opKind, pred, target *Value, margin float32) *Value {
	out := g.lossNode(op, pred, target, margin)
	if out == g.bad {
		return out
	}
	return g.done(out, g.lossKernel(op, out.t, out.cache, pred, target, margin))
}

// lossKernel runs the backend kernel of loss op: the loss into l and, when
// grad is not nil, ∂loss/∂pred into grad.
func (g *Graph) lossKernel(op opKind, l, grad backend.Tensor, pred, target *Value, margin float32) error {
	switch op {
	case opSoftmaxCrossEntropy:
		return g.b.SoftmaxCrossEntropy(l, grad, pred.t, target.t)
	case opMeanSquaredError:
		return g.b.MeanSquaredError(l, grad, pred.t, target.t)
	case opSVMHinge:
		return g.b.SVMHinge(l, grad, pred.t, target.t, margin)
	}
	return g.regressionLossKernel(op, l, grad, pred, target, margin)
}

// lossNode validates a loss's inputs and records its node, with the cache
// for ∂loss/∂pred when the node requires a gradient; the caller runs the
// kernel. It returns g.bad, with the error recorded, on failure.
func (g *Graph) lossNode(op opKind, pred, target *Value, margin float32) *Value {
	if !g.use(op.String(), pred, target) {
		return g.bad
	}
	var err error
	if op.elementLoss() {
		err = backend.CheckSame(op.String(), pred.shape, target.shape)
	} else {
		err = backend.CheckLabels(op.String(), pred.shape, target.shape)
	}
	if err != nil {
		return g.fail(err)
	}
	grad := pred.requiresGrad || op.targetGrad() && target.requiresGrad
	out := g.node(op, backend.Shape{Rows: 1, Cols: 1}, pred, target, grad)
	if out == g.bad {
		return out
	}
	out.alpha = margin
	if out.requiresGrad {
		if out.cache, err = g.b.New(pred.shape); err != nil {
			return g.fail(err)
		}
	}
	return out
}

// SoftmaxCrossEntropyCount is SoftmaxCrossEntropy that also sets correct, a
// 1×1 tensor of the graph's backend that the caller owns, to the number of
// rows whose largest logit (the first, on ties) is at the label's index, as
// the backend's CountCorrect counts them: the numerator of the batch's
// accuracy, read from the logits while the loss reads them. When the backend
// implements backend.SoftmaxCrossEntropyCounter, one call computes loss,
// gradient and count; otherwise SoftmaxCrossEntropy and CountCorrect run in
// turn. The results are the same bits either way. A nil or wrongly shaped
// correct is an error, recorded like the operations'.
func (g *Graph) SoftmaxCrossEntropyCount(logits, labels *Value, correct backend.Tensor) *Value {
	const op = opSoftmaxCrossEntropy
	out := g.lossNode(op, logits, labels, 0)
	if out == g.bad {
		return out
	}
	if correct == nil {
		return g.fail(fmt.Errorf("%s: nil correct-count tensor: %w", op, backend.ErrInvalidArgument))
	}
	if err := backend.CheckCountCorrect(correct.Shape(), logits.shape, labels.shape); err != nil {
		return g.fail(err)
	}
	if f, ok := g.b.(backend.SoftmaxCrossEntropyCounter); ok {
		return g.done(out, f.SoftmaxCrossEntropyCount(out.t, out.cache, correct, logits.t, labels.t))
	}
	err := g.b.SoftmaxCrossEntropy(out.t, out.cache, logits.t, labels.t)
	if err == nil {
		err = g.b.CountCorrect(correct, logits.t, labels.t)
	}
	return g.done(out, err)
}

// lossBackward is the backward step of a loss: the cached gradient c =
// ∂loss/∂pred times the upstream gradient dℓ (1×1). When the loss is the
// root, dℓ is the seed 1 and c passes as it is; otherwise (the loss inside a
// bigger expression) dℓ is broadcast and multiplied in. For the mean squared
// error, L1 and Huber losses, the target's local gradient is the negative of
// the prediction's (op.targetGrad).
func lossBackward(g *Graph, n *Value) {
	pred, target := n.in[0], n.in[1]
	grad, gradOwned := n.cache, false
	if grad == nil {
		// An earlier Backward of this graph gave the cache to pred: run
		// the kernel again for ∂loss/∂pred.
		grad, gradOwned = g.alloc(pred.shape), true
		if g.err == nil {
			l := g.alloc(n.shape)
			g.kernel(n, g.nodeLossKernel(n, l, grad, pred, target))
			g.release(l)
		}
	}
	d, owned := grad, gradOwned
	if n.state != gradOne {
		d, owned = g.alloc(pred.shape), true
		if g.err == nil {
			g.kernel(n, g.b.Broadcast(d, n.grad))
			g.kernel(n, g.b.Mul(d, d, grad))
		}
		if gradOwned {
			g.release(grad)
		}
	}
	if n.op.targetGrad() {
		g.contribute(target, -1, d, false)
	}
	if !owned && pred.requiresGrad && pred.state != gradLive && pred.grad == nil {
		// pred's first contribution is the cache itself: give it away
		// rather than copy it (one kernel less per training step).
		owned, n.cache = true, nil
	}
	g.contribute(pred, 1, d, owned)
}
