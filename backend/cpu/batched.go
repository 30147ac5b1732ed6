package cpu

import (
	"gltrain/backend"
	"gltrain/backend/cpu/internal/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

var _ backend.BatchedMatMuler = (*Backend)(nil)

// BatchedMatMul computes each product of the batch (see
// backend.BatchedMatMuler) with Sgemm on the matrices in place, their
// leading dimensions as Sgemm's lda, ldb, ldc: products of at least
// blas.SerialBelow one after another, each split across cores by the
// library; smaller ones shared among the cores, each on one thread (the
// library's, or gonum's below gemmMin). Each product is computed as MatMul
// would compute it alone, so the bits do not depend on the worker count.
func (be *Backend) BatchedMatMul(p backend.BatchedGemm, a, b, c backend.Strided) error {
	if err := backend.Check(be).BatchedMatMul(p, a, b, c); err != nil {
		return err
	}
	ad, bd, cd := a.T.(*Tensor).data, b.T.(*Tensor).data, c.T.(*Tensor).data
	n := p.Batch[0] * p.Batch[1]
	off := func(s backend.Strided, z int) int {
		return s.Offset + z/p.Batch[1]*s.Stride[0] + z%p.Batch[1]*s.Stride[1]
	}
	mnk := p.M * p.N * p.K
	if be.blas != nil && mnk >= blas.SerialBelow {
		// Products large enough for the library's threads: one at a time.
		for z := range n {
			be.blas.Sgemm(bool(p.TransA), bool(p.TransB), p.M, p.N, p.K, p.Alpha,
				ad[off(a, z):], a.LD, bd[off(b, z):], b.LD, p.Beta, cd[off(c, z):], c.LD)
		}
		return nil
	}
	// Smaller ones (attention's, per head) on one thread each, shared
	// among the cores.
	ra, ca, rb, cb := p.Stored()
	parallelFor(n, mnk, func(lo, hi int) {
		for z := lo; z < hi; z++ {
			if be.blas != nil && mnk >= be.gemmMin {
				be.blas.SgemmSerial(bool(p.TransA), bool(p.TransB), p.M, p.N, p.K, p.Alpha,
					ad[off(a, z):], a.LD, bd[off(b, z):], b.LD, p.Beta, cd[off(c, z):], c.LD)
				continue
			}
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
