package cpu

import (
	"math"
	"math/rand"
	"testing"
)

// TestCausalSoftmaxRowsFast checks causalSoftmaxRows (C with AVX2, where
// the processor has it) against the Go loop, causalSoftmaxRowsGo: within
// 1 float32 ulp (the C loop's exp is ~1e-14 relative and it sums in four
// lanes, ~1e-16·T, both far below float32's 6e-8), the same NaNs and
// zeros, for rows of every length from 1 to 37 with scores of a wide
// range, −Inf, NaN and +Inf among them, and in place.
func TestCausalSoftmaxRowsFast(t *testing.T) {
	const n = 37
	r := rand.New(rand.NewSource(5))
	for trial, scale := range []float64{1, 30, 1e3, 1e30} {
		s := make([]float32, 3*n*n) // three batches of n rows
		for i := range s {
			s[i] = float32(r.NormFloat64() * scale)
		}
		if trial == 1 {
			s[n*n+5*n+2] = float32(math.Inf(-1))
			s[n*n+9*n+4] = float32(math.NaN())
			s[2*n*n+12*n+12] = float32(math.Inf(1))
			s[2*n*n+20*n+30] = float32(math.NaN()) // past the row's position: unseen
		}
		want, got := make([]float32, len(s)), append([]float32(nil), s...)
		causalSoftmaxRowsGo(want, s, n, 0, 3*n)
		causalSoftmaxRows(got, got, n, 0, 3*n) // in place
		worst := int64(0)
		for i := range want {
			d := ulpDiff(got[i], want[i])
			if d > 1 || (got[i] == 0) != (want[i] == 0) {
				t.Fatalf("scale %g, row %d col %d: %g, want %g (%d ulp)", scale, i/n, i%n, got[i], want[i], d)
			}
			worst = max(worst, d)
		}
		t.Logf("scale %g: worst %d ulp", scale, worst)
	}
}
