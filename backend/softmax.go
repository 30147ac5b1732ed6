package backend

import "fmt"

// Softmaxer computes the softmax of each row and its gradient: the
// probabilities of a classifier's logits (an nn.Softmax layer, Probabilities
// predictions). It is optional, found by type assertion in the manner of
// io/fs; a graph on a backend without it reports ErrUnsupported. The loss
// SoftmaxCrossEntropy needs no separate softmax: it forms its own.
//
// x, y, dy and dx are m×n, one row per example. Each row is shifted by its
// maximum before exp, so no finite input overflows; a backend may round
// exp(x − max) below float32's normal range (about 1.2e-38) to 0.
//
// Non-finite inputs follow PyTorch 1.13's torch.softmax (dim=1) and its
// backward, which agree with the formulas in IEEE arithmetic:
//
//	a row holding NaN                 → NaN in the whole row
//	a row holding +Inf                → NaN in the whole row (+Inf − +Inf)
//	a row of −Inf only                → NaN in the whole row (−Inf − −Inf)
//	−Inf in a row with a finite max   → 0 there, the rest a softmax of the rest
//	a row of one column, x finite     → 1
//
// and the backward pass is y·(dy − s) as IEEE arithmetic evaluates it: a
// NaN or infinite product dy·y makes s, and so the row, NaN or infinite
// (0·Inf is NaN). The CPU reference evaluates both formulas in float64,
// a device in float32, so where dy − s overflows float32 (|dy| near
// 3.4e38) a device may return ±Inf where the reference is finite.
//
// The calls return ErrShape for tensors of different shapes, ErrAlias for
// an output that is also an input (outputs are never computed in place),
// and ErrForeign for a tensor that is nil or another backend's.
type Softmaxer interface {
	// SoftmaxForward sets dst[i,j] = exp(x[i,j] − max_k x[i,k]) / Σ_k exp(x[i,k] − max_k x[i,k]).
	SoftmaxForward(dst, x Tensor) error
	// SoftmaxBackward sets dx[i,j] = y[i,j]·(dy[i,j] − Σ_k dy[i,k]·y[i,k]), with y the forward's output.
	SoftmaxBackward(dx, y, dy Tensor) error
}

// CheckSoftmaxForward validates SoftmaxForward's tensors, already resolved
// by the backend: dst shaped like x, and not x.
func CheckSoftmaxForward(dst, x Tensor) error {
	const op = "softmax forward"
	if err := CheckSame(op, dst.Shape(), x.Shape()); err != nil {
		return err
	}
	return checkDistinct(op, 1, []string{"dst", "x"}, dst, x)
}

// CheckSoftmaxBackward validates SoftmaxBackward's tensors, already
// resolved by the backend: dx, y and dy of one shape, and dx neither y nor
// dy (y may be dy).
func CheckSoftmaxBackward(dx, y, dy Tensor) error {
	const op = "softmax backward"
	if y.Shape() != dy.Shape() {
		return fmt.Errorf("%s: y %v, dy %v: %w", op, y.Shape(), dy.Shape(), ErrShape)
	}
	if err := CheckSame(op, dx.Shape(), y.Shape()); err != nil {
		return err
	}
	return checkDistinct(op, 1, []string{"dx", "y", "dy"}, dx, y, dy)
}
