package backend

import "fmt"

// MaxLayerNormWidth bounds the features a LayerNorm normalises over: a GPU
// work group of 256 invocations takes a row, each invocation at most
// MaxLayerNormWidth/256 = 64 of its elements in a bounded loop.
const MaxLayerNormWidth = 16384

// LayerNormEps is PyTorch's default eps of torch.nn.LayerNorm.
const LayerNormEps = 1e-5

// Normalizer is the optional interface of a backend that normalises rows:
// LayerNorm over the last dimension, with its fused gradient. Find it by a
// type assertion (io/fs style).
type Normalizer interface {
	// LayerNormForward normalises each row i of x (m×n, n at most
	// MaxLayerNormWidth) and applies the affine map of w and b (1×n):
	//	μ_i = Σ_j x_ij / n     σ²_i = Σ_j (x_ij − μ_i)² / n     r_i = 1/√(σ²_i + eps)
	//	y_ij = (x_ij − μ_i)·r_i·w_j + b_j
	// stats (m×2) receives (μ_i, r_i) for the backward pass. The variance
	// is the biased one, as PyTorch's. A row holding NaN or ±Inf gives a
	// row of NaN.
	LayerNormForward(eps float32, y, stats, x, w, b Tensor) error
	// LayerNormBackward sets, with x̂_ij = (x_ij − μ_i)·r_i and
	// g_ij = dy_ij·w_j,
	//	dx_ij = r_i·(g_ij − Σ_k g_ik/n − x̂_ij·Σ_k g_ik·x̂_ik/n)
	//	dw_j = Σ_i dy_ij·x̂_ij     db_j = Σ_i dy_ij
	// from the stats of LayerNormForward. dw and db are sums over the
	// rows in a fixed order: the same bits on every run.
	LayerNormBackward(dx, dw, db, dy, x, w, stats Tensor) error
}

// CheckLayerNorm checks the tensors of a layer normalisation: x is m×n
// with 1 ≤ n ≤ MaxLayerNormWidth, w and b are 1×n, stats is m×2, and each
// of ys (the output or, backward, dx and dy) is m×n, the first not x. Any but x
// may be nil.
func CheckLayerNorm(op string, x, w, b, stats Tensor, ys ...Tensor) error {
	if x == nil {
		return fmt.Errorf("%s: no input: %w", op, ErrInvalidArgument)
	}
	s := x.Shape()
	if s.Cols > MaxLayerNormWidth {
		return fmt.Errorf("%s: input %v: rows of at most %d features: %w", op, s, MaxLayerNormWidth, ErrInvalidArgument)
	}
	row := Shape{Rows: 1, Cols: s.Cols}
	for i, t := range append([]Tensor{w, b, stats}, ys...) {
		what, want := "output", s
		switch i {
		case 0, 1:
			what, want = [2]string{"weight", "bias"}[i], row
		case 2:
			what, want = "stats", Shape{Rows: s.Rows, Cols: 2}
		}
		switch {
		case t == nil:
		case t.Shape() != want:
			return fmt.Errorf("%s: %s %v for input %v: want %v: %w", op, what, t.Shape(), s, want, ErrShape)
		case i == 3 && t == x:
			return fmt.Errorf("%s: the output is the input: %w", op, ErrInvalidArgument)
		}
	}
	return nil
}
