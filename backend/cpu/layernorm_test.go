package cpu_test

import (
	"fmt"
	"testing"

	"gltrain/backend"
	"gltrain/backend/cpu"
)

// BenchmarkLayerNorm is a LayerNorm forward and backward pass of m×n,
// GPT-2 small's 4096 tokens of 768 features among them (issue 23's
// comparison with PyTorch's CPU LayerNorm).
func BenchmarkLayerNorm(b *testing.B) {
	for _, s := range []backend.Shape{{Rows: 4096, Cols: 768}, {Rows: 256, Cols: 64}} {
		b.Run(fmt.Sprintf("%dx%d", s.Rows, s.Cols), func(b *testing.B) {
			be := cpu.New()
			row := backend.Shape{Rows: 1, Cols: s.Cols}
			up := func(s backend.Shape, seed uint64) backend.Tensor {
				t, err := backend.FromData(be, s, backend.NormalData(s.Len(), seed, 0, 1))
				if err != nil {
					b.Fatal(err)
				}
				return t
			}
			x, dy, w, bias := up(s, 1), up(s, 2), up(row, 3), up(row, 4)
			y, dx, st, dw, db := up(s, 5), up(s, 6), up(backend.Shape{Rows: s.Rows, Cols: 2}, 7), up(row, 8), up(row, 9)
			b.SetBytes(int64(4 * 5 * s.Len())) // x, y forward; x, dy, dx backward
			b.ResetTimer()
			for range b.N {
				if err := be.LayerNormForward(backend.LayerNormEps, y, st, x, w, bias); err != nil {
					b.Fatal(err)
				}
				if err := be.LayerNormBackward(dx, dw, db, dy, x, w, st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
