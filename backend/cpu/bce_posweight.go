package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.PosWeightedBCE = (*Backend)(nil)

// BCEWithLogitsPosWeight computes the mean binary cross-entropy of
// σ(logits) against target with pos_weight p per column
// (backend.PosWeightedBCE), and its gradient when dlogits is not nil, in
// float64 per element as BCEWithLogits does.
func (be *Backend) BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight backend.Tensor) error {
	if err := backend.Check(be).BCEWithLogitsPosWeight(loss, dlogits, logits, target, posWeight); err != nil {
		return err
	}
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	x, y, p := logits.(*Tensor), target.(*Tensor), posWeight.(*Tensor)
	n := x.shape.Cols
	count := float64(len(x.data))
	var total float64
	for i, v := range x.data {
		fv, dv := bcePosWeightElement(float64(v), float64(y.data[i]), float64(p.data[i%n]))
		total += fv
		if g != nil {
			g.data[i] = float32(dv / count)
		}
	}
	loss.(*Tensor).data[0] = float32(total / count)
	return nil
}

// bcePosWeightElement is PyTorch's weighted binary cross-entropy with
// logits, with lw = 1 + (p − 1)·y,
//
//	(1 − y)·x + lw·(max(−x, 0) + log1p(exp(−|x|)))
//
// and its derivative (p·y + 1 − y)·σ(x) − p·y; at p = 1 it is bceElement.
func bcePosWeightElement(x, y, p float64) (float64, float64) {
	lw := 1 + (p-1)*y
	v := (1-y)*x + lw*(math.Max(-x, 0)+math.Log1p(math.Exp(-math.Abs(x))))
	py := p * y
	return v, (py+1-y)*sigmoid64(x) - py
}
