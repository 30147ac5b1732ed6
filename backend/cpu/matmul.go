package cpu

import (
	"gltrain/backend"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// MatMul computes C = alpha·op(A)·op(B) + beta·C with the backend's Sgemm
// (gemm): OpenBLAS when the machine has it, else gonum's, both accumulating
// in float32 and splitting large products across cores. When beta is 0,
// C's prior contents are ignored, NaN included.
func (be *Backend) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, c backend.Tensor) error {
	if err := backend.Check(be).MatMul(tA, tB, alpha, a, b, beta, c); err != nil {
		return err
	}
	be.gemm(tA, tB, alpha, a.(*Tensor), b.(*Tensor), beta, c.(*Tensor))
	return nil
}

// smallGemm is the product size (m·n·k) below which gonum's Sgemm runs even
// when a BLAS is loaded: a call through dlopen costs about a microsecond,
// through purego, more than a small product takes in Go; through cgo it is
// tens of nanoseconds, but gonum still wins below this.
const smallGemm = 1 << 12

// gemm computes c = alpha·op(a)·op(b) + beta·c on the backend's BLAS: the
// one place the CPU backend multiplies matrices.
func (be *Backend) gemm(tA, tB backend.Transpose, alpha float32, a, b *Tensor, beta float32, c *Tensor) {
	m, n, k := c.shape.Rows, c.shape.Cols, tA.Apply(a.shape).Cols
	if be.blas != nil && m*n*k >= be.gemmMin {
		be.blas.Sgemm(bool(tA), bool(tB), m, n, k, alpha, a.data, a.shape.Cols, b.data, b.shape.Cols, beta, c.data, c.shape.Cols)
		return
	}
	blas32.Gemm(blasTranspose(tA), blasTranspose(tB), alpha, general(a), general(b), beta, general(c))
}

func general(t *Tensor) blas32.General {
	return blas32.General{Rows: t.shape.Rows, Cols: t.shape.Cols, Stride: t.shape.Cols, Data: t.data}
}

func blasTranspose(t backend.Transpose) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
