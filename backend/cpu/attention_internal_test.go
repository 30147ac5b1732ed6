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

// TestCausalSoftmaxBackwardRowsFast checks causalSoftmaxBackwardRows (C
// with AVX2, where the processor has it) against the Go loop, in place
// (ds = dp): within 1 float32 ulp, or where dp_j − Σ p·dp cancels, within
// p_j·4e-16·Σ|p_k·dp_k|, the float64 sum's own error in either order;
// rows of every length from 1 to 37, an Inf and a NaN among the inputs.
func TestCausalSoftmaxBackwardRowsFast(t *testing.T) {
	const n = 37
	r := rand.New(rand.NewSource(6))
	p, dp := make([]float32, 2*n*n), make([]float32, 2*n*n)
	for i := range p {
		p[i] = float32(r.Float64())
		dp[i] = float32(r.NormFloat64())
	}
	dp[n*n+7*n+3], dp[n*n+11*n+2] = float32(math.Inf(1)), float32(math.NaN())
	want, got := make([]float32, len(p)), append([]float32(nil), dp...)
	causalSoftmaxBackwardRowsGo(want, p, dp, n, 0, 2*n)
	causalSoftmaxBackwardRows(got, p, got, n, 0, 2*n)
	for i := range want {
		row, j := i/n, i%n
		var abs float64
		for k := 0; k <= row%n; k++ {
			abs += math.Abs(float64(p[row*n+k]) * float64(dp[row*n+k]))
		}
		if d := ulpDiff(got[i], want[i]); d > 1 && !(math.Abs(float64(got[i]-want[i])) <= float64(p[i])*4e-16*abs) {
			t.Fatalf("row %d col %d: %g, want %g (%d ulp)", row, j, got[i], want[i], d)
		}
	}
}
