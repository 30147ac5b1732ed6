package cpu

import (
	"gltrain/backend"
	"gonum.org/v1/gonum/blas/blas32"
)

var _ backend.BatchedMatMuler = (*Backend)(nil)

// BatchedMatMul computes each product of the batch (see
// backend.BatchedMatMuler) with Sgemm on the matrices in place, their
// leading dimensions as Sgemm's lda, ldb, ldc: the backend's BLAS one
// product after another for large products (it splits each across cores),
// else gonum's, the products shared among the cores. Each product is
// computed as MatMul would compute it alone, so the bits do not depend on
// the worker count.
func (be *Backend) BatchedMatMul(p backend.BatchedGemm, a, b, c backend.Strided) error {
	if err := backend.Check(be).BatchedMatMul(p, a, b, c); err != nil {
		return err
	}
	ad, bd, cd := a.T.(*Tensor).data, b.T.(*Tensor).data, c.T.(*Tensor).data
	n := p.Batch[0] * p.Batch[1]
	off := func(s backend.Strided, z int) int {
		return s.Offset + z/p.Batch[1]*s.Stride[0] + z%p.Batch[1]*s.Stride[1]
	}
	if be.blas != nil && p.M*p.N*p.K >= be.gemmMin {
		for z := range n {
			be.blas.Sgemm(bool(p.TransA), bool(p.TransB), p.M, p.N, p.K, p.Alpha,
				ad[off(a, z):], a.LD, bd[off(b, z):], b.LD, p.Beta, cd[off(c, z):], c.LD)
		}
		return nil
	}
	ra, ca := p.M, p.K
	if p.TransA {
		ra, ca = ca, ra
	}
	rb, cb := p.K, p.N
	if p.TransB {
		rb, cb = cb, rb
	}
	parallelFor(n, p.M*p.N*p.K, func(lo, hi int) {
		for z := lo; z < hi; z++ {
			blas32.Gemm(blasTranspose(p.TransA), blasTranspose(p.TransB), p.Alpha,
				strided(ad, off(a, z), ra, ca, a.LD), strided(bd, off(b, z), rb, cb, b.LD),
				p.Beta, strided(cd, off(c, z), p.M, p.N, c.LD))
		}
	})
	return nil
}

// strided is the rows×cols matrix at data[off:] whose rows are ld apart.
func strided(data []float32, off, rows, cols, ld int) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: ld, Data: data[off : off+(rows-1)*ld+cols]}
}
