package nn

import (
	"gltrain/autograd"
	"gltrain/backend"
)

// PosWeightBCE is the BCEWithLogits loss with a weight on each output's
// positive term, PyTorch's torch.nn.BCEWithLogitsLoss(pos_weight=p), for
// multi-label targets whose labels are rare: p_j above 1 trades precision
// for recall on label j (p_j = negatives/positives balances them). The
// loss, with lw = 1 + (p_j − 1)·y, is the mean over every score of
//
//	−[p_j·y·log σ(x) + (1 − y)·log(1 − σ(x))]
//
// (autograd's BCEWithLogitsPosWeight; the backend must implement
// backend.PosWeightedBCE).
type PosWeightBCE struct {
	// PosWeight is 1×outputs, a tensor of the model's backend that the
	// caller owns (backend.FromData makes one).
	PosWeight backend.Tensor
}

// Apply records the loss of scores against targets of the scores' shape on
// g; its errors are the graph's (g.Err).
func (l PosWeightBCE) Apply(g *autograd.Graph, scores, targets *autograd.Value) *autograd.Value {
	return g.BCEWithLogitsPosWeight(scores, targets, g.Input(l.PosWeight))
}
