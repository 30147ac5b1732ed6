package backend

// GradNormClipper is an optional interface, found by type assertion:
// clipping gradients by their global 2-norm on the device, PyTorch's
// torch.nn.utils.clip_grad_norm_, with no wait for the device. The squared
// norm of several gradients accumulates in a 1×1 tensor (AddSquares once
// per gradient, after a Fill with 0), and ClipScale then scales each
// gradient by the coefficient it computes from that tensor on the device:
//
//	total = √(Σ over every gradient g of Σ g²)
//	coef  = min(1, maxNorm / (total + 1e-6))
//	g    ← coef·g
//
// A NaN total makes coef NaN and every gradient NaN, as PyTorch's clamp
// propagates it (its error_if_nonfinite=False default); an infinite total
// makes coef 0. The squares sum in float32, so a total past about 1.8e19
// (√MaxFloat32) is +Inf.
type GradNormClipper interface {
	// AddSquares adds the sum of the squares of x's elements to acc
	// (1×1), acc ← acc + Σ x². acc may not be x.
	AddSquares(acc, x Tensor) error
	// ClipScale scales x in place by coef, computed from the summed
	// squares in sumSq (1×1) and maxNorm (finite, > 0) as above. sumSq
	// may not be x.
	ClipScale(x, sumSq Tensor, maxNorm float32) error
}
