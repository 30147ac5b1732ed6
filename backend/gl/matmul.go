package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// Tile sizes of matmul_forward.comp (its TILE_M and TILE_N defaults): one
// work group computes a tileM×tileN block of C.
const tileM, tileN = 64, 64

// MatMul computes C = alpha·op(A)·op(B) + beta·C (matmul_forward.comp).
func (be *Backend) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, c backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors("matmul", t[:], a, b, c); err != nil {
		return err
	}
	if err := backend.CheckMatMulArgs(tA, tB, a, b, c); err != nil {
		return err
	}
	if err := be.ready("matmul", "matmul_forward.comp"); err != nil {
		return err
	}
	ta, tb, tc := t[0], t[1], t[2]
	return be.enqueue("matmul", func() error {
		p, err := be.program("matmul_forward.comp")
		if err != nil {
			return err
		}
		m, n, k := tc.shape.Rows, tc.shape.Cols, tA.Apply(ta.shape).Cols
		p.SetInt("m", m)
		p.SetInt("n", n)
		p.SetInt("k", k)
		p.SetInt("trans_a", boolInt(bool(tA)))
		p.SetInt("trans_b", boolInt(bool(tB)))
		p.SetFloat("alpha", alpha)
		p.SetFloat("beta", beta)
		cArg := tc.out()
		if beta != 0 {
			cArg = tc.inOut()
		}
		return be.dev.Dispatch(p, glrt.Cap((n+tileN-1)/tileN), glrt.Cap((m+tileM-1)/tileM), 1, ta.in(), tb.in(), cArg)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
