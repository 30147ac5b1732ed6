package gl

import (
	"strconv"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.BatchedMatMuler = (*Backend)(nil)

// batchedTiles are batched_matmul.comp's TILE sizes: a work group computes
// a TILE×TILE block of one product, each invocation (TILE/16)² elements.
// The larger tile does more work per invocation and per barrier, for
// products with both sides at least 64.
var batchedTiles = [2]int{32, 64}

// batchedNames are batched_matmul.comp's variants by [tile][TRANS_A][TRANS_B],
// built once so that a call builds no string.
var batchedNames = func() (names [2][2][2]string) {
	for i, tile := range batchedTiles {
		for ta := range 2 {
			for tb := range 2 {
				names[i][ta][tb] = glrt.Variant("batched_matmul.comp", "TILE", strconv.Itoa(tile),
					"TRANS_A", strconv.Itoa(ta), "TRANS_B", strconv.Itoa(tb))
			}
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
// groups over the blocks of C along x and y and over the matrices along z,
// in the variant of the operands' layouts and of the tile the sizes call
// for.
func (be *Backend) BatchedMatMul(p backend.BatchedGemm, a, b, c backend.Strided) error {
	const op = "batched matmul"
	if err := backend.Check(be).BatchedMatMul(p, a, b, c); err != nil {
		return err
	}
	big := boolInt(min(p.M, p.N) >= 64)
	tile := batchedTiles[big]
	name := batchedNames[big][boolInt(bool(p.TransA))][boolInt(bool(p.TransB))]
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
		gx := glrt.Cap((p.N + tile - 1) / tile)
		gy := glrt.Cap((p.M + tile - 1) / tile)
		return be.dev.Dispatch(prog, gx, gy, glrt.Cap(p.Batch[0]*p.Batch[1]), ta.in(), tb.in(), outArg(tc, p.Beta))
	})
}
