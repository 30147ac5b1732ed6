package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.GradNormClipper = (*Backend)(nil)

// AddSquares adds Σ x² to acc (1×1), the squares summed in float64 and
// the total rounded once to float32 (+Inf past MaxFloat32):
//
//	acc ← acc + Σ_i x[i]²
func (be *Backend) AddSquares(acc, x backend.Tensor) error {
	if err := backend.Check(be).AddSquares(acc, x); err != nil {
		return err
	}
	a := acc.(*Tensor).data
	s := float64(a[0])
	for _, v := range x.(*Tensor).data {
		s += float64(v) * float64(v)
	}
	a[0] = float32(s)
	return nil
}

// ClipScale scales x by PyTorch's clip_grad_norm_ coefficient of the summed
// squares in sumSq (1×1), in float32 as the device computes it:
//
//	coef = min(1, maxNorm / (√sumSq + 1e-6))     (NaN stays NaN)
//	x[i] ← coef·x[i]
func (be *Backend) ClipScale(x, sumSq backend.Tensor, maxNorm float32) error {
	if err := backend.Check(be).ClipScale(x, sumSq, maxNorm); err != nil {
		return err
	}
	coef := clipCoef(sumSq.(*Tensor).data[0], maxNorm)
	xs := x.(*Tensor).data
	for i, v := range xs {
		xs[i] = coef * v
	}
	return nil
}

// clipCoef is min(1, maxNorm/(√sumSq + 1e-6)) in float32, NaN for a NaN
// sumSq (a comparison with NaN is false, so the clamp leaves it).
func clipCoef(sumSq, maxNorm float32) float32 {
	c := maxNorm / (float32(math.Sqrt(float64(sumSq))) + 1e-6)
	if c > 1 {
		c = 1
	}
	return c
}
