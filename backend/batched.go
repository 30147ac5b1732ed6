package backend

import "fmt"

// MaxBatchedK bounds the inner dimension k of BatchedMatMul: a GPU
// invocation steps through k in tiles in one loop, and no loop of ours runs
// over more than 4096 input elements (matmul_forward.comp's k_chunk; Mesa's
// llvmpipe silently cuts short loops of about 65,535 iterations).
const MaxBatchedK = 4096

// Strided is a batch of matrices inside one tensor, used in place: matrix
// (p, q) of the batch has its element (i, j) at
//
//	Offset + p·Stride[0] + q·Stride[1] + i·LD + j
//
// of T's row-major elements. The heads of a (B·T)×3C fused QKV tensor are
// such a batch: head h of sequence b of the query block is Offset h·hs,
// LD 3C, Stride {T·3C, hs}, a T×hs matrix.
type Strided struct {
	T      Tensor
	Offset int    // the first matrix's element (0, 0)
	LD     int    // the distance between a matrix's rows (its leading dimension)
	Stride [2]int // the distance between matrices along each batch index
}

// BatchedGemm is the geometry of a batched product: for every p <
// Batch[0] and q < Batch[1],
//
//	C_pq = Alpha·op(A_pq)·op(B_pq) + Beta·C_pq
//
// with op(A_pq) M×K (A_pq stored M×K, or K×M when TransA), op(B_pq) K×N
// and C_pq M×N.
type BatchedGemm struct {
	Batch          [2]int
	M, N, K        int
	TransA, TransB Transpose
	Alpha, Beta    float32
}

// Stored returns the shapes A_pq and B_pq are stored in: rows and columns
// of op(A) (M×K) and op(B) (K×N), swapped by a transpose.
func (p BatchedGemm) Stored() (ra, ca, rb, cb int) {
	ra, ca, rb, cb = p.M, p.K, p.K, p.N
	if p.TransA {
		ra, ca = ca, ra
	}
	if p.TransB {
		rb, cb = cb, rb
	}
	return ra, ca, rb, cb
}

// BatchedMatMuler is the optional interface of a backend that multiplies
// batches of strided matrices (Strided) without copying them: the per-head
// products of attention. Find it by a type assertion (io/fs style).
type BatchedMatMuler interface {
	// BatchedMatMul computes every product of the batch p describes
	// (BatchedGemm), each as MatMul would, with C_pq's prior contents
	// ignored (NaN included) when p.Beta is 0. c's tensor must be
	// neither a's nor b's, and the matrices of c must not overlap one
	// another (not checked: the result is then one of the writes).
	BatchedMatMul(p BatchedGemm, a, b, c Strided) error
}

// CheckBatchedMatMul checks a batched product: positive sizes, K at most
// MaxBatchedK, and every matrix of a, b and c inside its tensor with a
// leading dimension at least its row length and non-negative strides; c's
// tensor is neither a's nor b's. The tensors themselves are not checked
// (Checker.BatchedMatMul does that).
func CheckBatchedMatMul(op string, p BatchedGemm, a, b, c Strided) error {
	if p.Batch[0] < 1 || p.Batch[1] < 1 || p.M < 1 || p.N < 1 || p.K < 1 {
		return fmt.Errorf("%s: batch %d×%d of %d×%d×%d products: want sizes ≥ 1: %w",
			op, p.Batch[0], p.Batch[1], p.M, p.N, p.K, ErrInvalidArgument)
	}
	if p.K > MaxBatchedK {
		return fmt.Errorf("%s: inner dimension %d: at most %d: %w", op, p.K, MaxBatchedK, ErrInvalidArgument)
	}
	ra, ca, rb, cb := p.Stored()
	for _, x := range []struct {
		name       string
		s          Strided
		rows, cols int
	}{{"a", a, ra, ca}, {"b", b, rb, cb}, {"c", c, p.M, p.N}} {
		if err := checkStrided(op, x.name, p.Batch, x.s, x.rows, x.cols); err != nil {
			return err
		}
	}
	if c.T == a.T || c.T == b.T {
		return fmt.Errorf("%s: c's tensor is also an operand's: %w", op, ErrAlias)
	}
	return nil
}

// checkStrided checks that the batch of rows×cols matrices of s lies inside
// s.T, computing in int64 so that no size overflows.
func checkStrided(op, name string, batch [2]int, s Strided, rows, cols int) error {
	if s.T == nil {
		return fmt.Errorf("%s: no tensor %s: %w", op, name, ErrForeign)
	}
	if s.Offset < 0 || s.Stride[0] < 0 || s.Stride[1] < 0 || s.LD < cols {
		return fmt.Errorf("%s: %s: offset %d, leading dimension %d, strides %v for %d×%d matrices: want non-negative, leading dimension ≥ %d: %w",
			op, name, s.Offset, s.LD, s.Stride, rows, cols, cols, ErrInvalidArgument)
	}
	last := int64(s.Offset) + int64(batch[0]-1)*int64(s.Stride[0]) + int64(batch[1]-1)*int64(s.Stride[1]) +
		int64(rows-1)*int64(s.LD) + int64(cols-1)
	if n := s.T.Shape().Len(); last >= int64(n) {
		return fmt.Errorf("%s: %s: a batch of %d×%d %d×%d matrices (offset %d, leading dimension %d, strides %v) reaches element %d of a %v tensor: %w",
			op, name, batch[0], batch[1], rows, cols, s.Offset, s.LD, s.Stride, last, s.T.Shape(), ErrShape)
	}
	return nil
}

// BatchedMatMul checks BatchedMatMuler.BatchedMatMul (CheckBatchedMatMul).
func (ck Checker) BatchedMatMul(p BatchedGemm, a, b, c Strided) error {
	const op = "batched matmul"
	if err := ck.own(op, a.T, b.T, c.T); err != nil {
		return err
	}
	return CheckBatchedMatMul(op, p, a, b, c)
}
