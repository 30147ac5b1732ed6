package cpu

import (
	"gltrain/backend"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// MatMul computes C = alpha·op(A)·op(B) + beta·C with gonum's Sgemm, which
// accumulates in float32 and splits large products across cores. When beta
// is 0, C's prior contents are ignored, NaN included.
func (be *Backend) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, c backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors("matmul", t[:], a, b, c); err != nil {
		return err
	}
	ta, tb, tc := t[0], t[1], t[2]
	if err := backend.CheckMatMulArgs(tA, tB, a, b, c); err != nil {
		return err
	}
	blas32.Gemm(blasTranspose(tA), blasTranspose(tB), alpha, general(ta), general(tb), beta, general(tc))
	return nil
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
