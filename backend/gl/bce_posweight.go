package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.PosWeightedBCE = (*Backend)(nil)

// BCEWithLogitsPosWeight computes the mean binary cross-entropy of
// σ(logits) against target with pos_weight per column
// (backend.PosWeightedBCE), and its gradient when dlogits is not nil
// (bce_with_logits_pos_weight.comp, then sum.comp).
func (be *Backend) BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight backend.Tensor) error {
	if err := backend.Check(be).BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight); err != nil {
		return err
	}
	p := posWeight.(*Tensor)
	cols := p.shape.Cols
	return be.elementLoss("bce with logits pos_weight", "bce_with_logits_pos_weight.comp", loss, dlogits, logits, target,
		func(prog *glrt.Program) { prog.SetInt("cols", cols) }, p.in())
}
