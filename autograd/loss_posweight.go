package autograd

import (
	"fmt"

	"gltrain/backend"
)

// BCEWithLogitsPosWeight is BCEWithLogits with a weight on each column's
// positive term, PyTorch's torch.nn.BCEWithLogitsLoss(pos_weight=p):
// posWeight is a 1×n value for n columns of logits. With lw = 1 + (p_j − 1)·y,
//
//	loss = 1/count · Σ −[p_j·y·log σ(x) + (1 − y)·log(1 − σ(x))]
//	     = 1/count · Σ (1 − y)·x + lw·(max(−x, 0) + log(1 + exp(−|x|)))
//	∂loss/∂logits = ((p_j·y + 1 − y)·σ(x) − p_j·y) / count
//
// No gradient flows into target or posWeight. It needs a
// backend.PosWeightedBCE; otherwise the error wraps errors.ErrUnsupported.
func (g *Graph) BCEWithLogitsPosWeight(logits, target, posWeight *Value) *Value {
	const op = opBCEWithLogits
	if !g.use(op.String(), logits, target, posWeight) {
		return g.bad
	}
	if err := backend.CheckPosWeight(op.String()+" pos_weight", logits.shape, posWeight.shape); err != nil {
		return g.fail(err)
	}
	out := g.lossNode(op, logits, target, 0)
	if out == g.bad {
		return out
	}
	out.bias = posWeight
	return g.done(out, g.posWeightKernel(out.t, out.cache, logits, target, posWeight))
}

// posWeightKernel runs the backend.PosWeightedBCE kernel.
func (g *Graph) posWeightKernel(l, grad backend.Tensor, logits, target, posWeight *Value) error {
	pb, ok := g.b.(backend.PosWeightedBCE)
	if !ok {
		return fmt.Errorf("%s pos_weight: backend %s does not implement backend.PosWeightedBCE: %w", opBCEWithLogits, g.b.Name(), backend.ErrUnsupported)
	}
	return pb.BCEWithLogitsPosWeight(l, grad, logits.t, target.t, posWeight.t)
}
