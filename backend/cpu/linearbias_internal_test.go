package cpu

import (
	"math"
	"testing"

	"gltrain/backend"
)

// TestLinearBiasMatchesGo: linearBias (in C with AVX2 where the build has
// cgo on amd64) gives linearBiasGo's bits at widths around the vector
// width of eight and the C call's threshold, with NaN, ±Inf and ±0 among
// the values and the bias.
func TestLinearBiasMatchesGo(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 3e38}
	for _, out := range []int{1, 7, 8, 9, 16, 100, 103} {
		const rows = 9
		z := backend.NormalData(rows*out, uint64(out), 0, 2)
		bias := backend.NormalData(out, uint64(out)+1, 0, 1)
		z[out/2] = special[out%len(special)]
		bias[out-1] = special[(out+2)%len(special)]
		want := append([]float32(nil), z...)
		linearBiasGo(want, bias, out)
		linearBias(z, bias, out)
		for i := range want {
			if math.Float32bits(z[i]) != math.Float32bits(want[i]) && !(z[i] != z[i] && want[i] != want[i]) {
				t.Fatalf("out=%d: z[%d] = %v, Go loop %v", out, i, z[i], want[i])
			}
		}
	}
}
