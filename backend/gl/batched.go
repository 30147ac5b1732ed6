package gl

import (
	"strconv"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.BatchedMatMuler = (*Backend)(nil)

// batchedTile is batched_matmul.comp's TILE: a work group computes a
// batchedTile×batchedTile block of one product.
const batchedTile = 32

// batchedNames are batched_matmul.comp's variants by [TRANS_A][TRANS_B],
// built once so that a call builds no string.
var batchedNames = func() (names [2][2]string) {
	for ta := range 2 {
		for tb := range 2 {
			names[ta][tb] = glrt.Variant("batched_matmul.comp", "TRANS_A", strconv.Itoa(ta), "TRANS_B", strconv.Itoa(tb))
		}
	}
	return names
}()

// batchedUniforms are the uniforms of A's, B's and C's Strided: offset,
// leading dimension, strides.
var batchedUniforms = [3][4]string{
	{"a_off", "lda", "a_s0", "a_s1"}, {"b_off", "ldb", "b_s0", "b_s1"}, {"c_off", "ldc", "c_s0", "c_s1"},
}

// BatchedMatMul computes each product of the batch (see
// backend.BatchedMatMuler) in one dispatch of batched_matmul.comp: work
// groups over the blocks of C along x and y and over the matrices along z.
func (be *Backend) BatchedMatMul(p backend.BatchedGemm, a, b, c backend.Strided) error {
	const op = "batched matmul"
	if err := backend.Check(be).BatchedMatMul(p, a, b, c); err != nil {
		return err
	}
	name := batchedNames[boolInt(bool(p.TransA))][boolInt(bool(p.TransB))]
	if err := be.ready(op, name); err != nil {
		return err
	}
	ta, tb, tc := a.T.(*Tensor), b.T.(*Tensor), c.T.(*Tensor)
	return be.enqueue(op, func() error {
		prog, err := be.program(name)
		if err != nil {
			return err
		}
		prog.SetInt("batch0", p.Batch[0])
		prog.SetInt("batch1", p.Batch[1])
		prog.SetInt("m", p.M)
		prog.SetInt("n", p.N)
		prog.SetInt("k", p.K)
		prog.SetFloat("alpha", p.Alpha)
		prog.SetFloat("beta", p.Beta)
		for i, v := range [3]backend.Strided{a, b, c} {
			u := batchedUniforms[i]
			prog.SetInt(u[0], v.Offset)
			prog.SetInt(u[1], v.LD)
			prog.SetInt(u[2], v.Stride[0])
			prog.SetInt(u[3], v.Stride[1])
		}
		gx := glrt.Cap((p.N + batchedTile - 1) / batchedTile)
		gy := glrt.Cap((p.M + batchedTile - 1) / batchedTile)
		return be.dev.Dispatch(prog, gx, gy, glrt.Cap(p.Batch[0]*p.Batch[1]), ta.in(), tb.in(), outArg(tc, p.Beta))
	})
}
