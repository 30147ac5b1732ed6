package cpu

import (
	"math"
	"math/rand"
	"testing"
)

// TestLinearDbColsSameBits checks that linearDbCols (C with AVX2, where
// the processor has it) gives the Go loop's bits, for widths that take
// every path (blocks of 16, of 4, single columns), column ranges not
// starting at 0, beta 0 and not, and an Inf and a NaN in the input.
func TestLinearDbColsSameBits(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for _, out := range []int{1, 3, 4, 7, 16, 21, 37, 64} {
		const batch = 33
		dz := make([]float32, batch*out)
		for i := range dz {
			dz[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.Intn(9)-4)))
		}
		if out > 5 {
			dz[5], dz[batch*out-2] = float32(math.Inf(-1)), float32(math.NaN())
		}
		for _, beta := range []float32{0, 0.75} {
			for lo := 0; lo < out; lo += 5 {
				got, want := make([]float32, out), make([]float32, out)
				for j := range got {
					got[j] = float32(j) - 2.5
					want[j] = got[j]
				}
				linearDbCols(got, dz, batch, out, lo, out, beta)
				linearDbColsGo(want, dz, batch, out, lo, out, beta)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("out %d beta %g cols [%d:%d] col %d: %g, want %g", out, beta, lo, out, j, got[j], want[j])
					}
				}
			}
		}
	}
}
