package cpu

import (
	"math"
	"testing"
)

// TestReLU32Bits checks the branch-free ReLU and its derivative against
// math.Max and the comparison they replace, for every special value and a
// sweep of bit patterns.
func TestReLU32Bits(t *testing.T) {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-45, -1e-45, 3.4e38, -3.4e38,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.Float32frombits(0xffc00000), math.Float32frombits(0xff800001), math.Float32frombits(0x7f800001)}
	for b := uint64(0); b < 1<<32; b += 65521 {
		vals = append(vals, math.Float32frombits(uint32(b)))
	}
	for _, x := range vals {
		want := float32(math.Max(float64(x), 0))
		if got := relu32(x); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("relu32(%v, bits %#x) = %v, want %v", x, math.Float32bits(x), got, want)
		}
		var wantGrad float32
		if x > 0 {
			wantGrad = 1
		}
		if got := reluGrad32(x); math.Float32bits(got) != math.Float32bits(wantGrad) {
			t.Fatalf("reluGrad32(%v, bits %#x) = %v, want %v", x, math.Float32bits(x), got, wantGrad)
		}
	}
}
