package cpu

import (
	"math"
	"math/rand"
	"testing"
)

// TestSoftmaxCrossEntropyRowsFast checks softmaxCrossEntropyRows (C with
// AVX2, where the processor has it) against the Go loop: gradients within
// 1 float32 ulp and losses within 1e-12 relative (the C exp is ~1e-14
// relative and it sums in four lanes), and the Go loop's very bits for
// rows with a NaN or ±Inf logit or a label that is not a class; for row
// lengths 1 to 9 and 256 and logits up to 1e30 apart.
func TestSoftmaxCrossEntropyRowsFast(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 256} {
		for _, scale := range []float64{1, 50, 1e30} {
			const rows = 12
			x, labels := make([]float32, rows*n), make([]float32, rows)
			for i := range x {
				x[i] = float32(r.NormFloat64() * scale)
			}
			for i := range labels {
				labels[i] = float32(r.Intn(n))
			}
			x[1*n] = float32(math.NaN())
			x[2*n+n-1] = float32(math.Inf(1))
			x[3*n] = float32(math.Inf(-1))
			labels[4], labels[5], labels[6] = float32(n), 0.5, -1
			for _, withGrad := range []bool{true, false} {
				var gotG, wantG []float32
				if withGrad {
					gotG, wantG = make([]float32, len(x)), make([]float32, len(x))
				}
				got, want := make([]float64, rows), make([]float64, rows)
				softmaxCrossEntropyRows(got, gotG, x, labels, n, 5, 0, rows)
				softmaxCrossEntropyRowsGo(want, wantG, x, labels, n, 5, 0, rows)
				for i := range got {
					odd := i >= 1 && i <= 6
					if odd && math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) ||
						!odd && !(math.Abs(got[i]-want[i]) <= 1e-12*math.Abs(want[i])+1e-300) {
						t.Fatalf("n %d scale %g row %d: loss %v, want %v", n, scale, i, got[i], want[i])
					}
				}
				for i := range gotG {
					if d := ulpDiff(gotG[i], wantG[i]); d > 1 || (i/n >= 1 && i/n <= 6 && d != 0) {
						t.Fatalf("n %d scale %g row %d col %d: grad %g, want %g", n, scale, i/n, i%n, gotG[i], wantG[i])
					}
				}
			}
		}
	}
}
