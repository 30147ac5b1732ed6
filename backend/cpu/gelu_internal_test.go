package cpu

import (
	"math"
	"testing"
)

// geluSweep is every 1009th float32 from −31 to 31 (about 2·10⁶ inputs,
// every binade from the subnormals up, both signs, a little past the odd
// limit), then the special values.
func geluSweep() []float32 {
	var xs []float32
	for b := uint32(0); b <= math.Float32bits(31); b += 1009 {
		x := math.Float32frombits(b)
		xs = append(xs, x, -x)
	}
	inf := float32(math.Inf(1))
	return append(xs, 0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-30, -1e-30, 30, -30, 30.000002, -30.000002, 1e10, -1e10,
		-0.7517916, -0.75179166, -0.75179154, 0.84375*math.Sqrt2, 1.25*math.Sqrt2, math.Sqrt2/0.35)
}

// ulpDiff is the distance between a and b in float32 steps (0 for two
// NaNs, and for +0 and −0 only when both have one sign: the bits are
// compared on the ordered integer line).
func ulpDiff(a, b float32) int64 {
	if a != a && b != b {
		return 0
	}
	ord := func(x float32) int64 {
		i := int64(math.Float32bits(x))
		if i >= 1<<31 {
			return 1<<31 - i
		}
		return i
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// TestGELUFastForward checks the vectorised GELU against the float64
// reference over the sweep: within 1 float32 ulp (see gelu.go: the fast
// path is ~1e-13 relative before its one rounding), and the reference's
// very bits, signed zeros and NaNs for the odd inputs.
func TestGELUFastForward(t *testing.T) {
	xs := geluSweep()
	got, want := make([]float32, len(xs)), make([]float32, len(xs))
	geluChunk(got, xs)
	geluGo(want, xs)
	worst, at := int64(0), 0
	for i, x := range xs {
		d := ulpDiff(got[i], want[i])
		if !(abs32(x) <= geluOddLimit) && (d != 0 || math.Float32bits(got[i]) != math.Float32bits(want[i]) && want[i] == want[i]) {
			t.Errorf("GELU(%g) = %g, want the reference's %g exactly", x, got[i], want[i])
		}
		if d > worst {
			worst, at = d, i
		}
	}
	if worst > 1 {
		t.Errorf("GELU: worst %d ulp at x = %g (got %g, want %g), want ≤ 1", worst, xs[at], got[at], want[at])
	}
	t.Logf("GELU forward: worst %d ulp over %d inputs (in C: %v)", worst, len(xs), geluInC)
}

// TestGELUFastBackward is TestGELUFastForward for g·GELU'(x), g = 1 and
// g = −3.5: within 1 ulp, or within 2e-16·|g| absolute near x ≈ −0.7518
// where Φ + x·φ cancels and the float64 reference itself is no better.
func TestGELUFastBackward(t *testing.T) {
	xs := geluSweep()
	for _, gv := range []float32{1, -3.5} {
		g := make([]float32, len(xs))
		for i := range g {
			g[i] = gv
		}
		got, want := make([]float32, len(xs)), make([]float32, len(xs))
		geluBackwardChunk(got, g, xs)
		geluBackwardGo(want, g, xs)
		worst := int64(0)
		for i, x := range xs {
			d := ulpDiff(got[i], want[i])
			if !(abs32(x) <= geluOddLimit) && math.Float32bits(got[i]) != math.Float32bits(want[i]) && want[i] == want[i] {
				t.Errorf("g·GELU'(%g) = %g, want the reference's %g exactly", x, got[i], want[i])
			}
			if d > 1 && math.Abs(float64(got[i])-float64(want[i])) > 2e-16*math.Abs(float64(gv)) {
				t.Errorf("%g·GELU'(%g) = %g, want %g (%d ulp)", gv, x, got[i], want[i], d)
			}
			worst = max(worst, d)
		}
		t.Logf("GELU backward, g = %g: worst %d ulp over %d inputs", gv, worst, len(xs))
	}
}

// TestGELUFastChunks checks that an element's result does not depend on
// the chunk it is computed in (every start and length up to 19 over a row
// of 40, with odd values in it), and that the backward pass may write over
// its g.
func TestGELUFastChunks(t *testing.T) {
	xs := make([]float32, 40)
	for i := range xs {
		xs[i] = float32(i-20) * 0.37
	}
	xs[7], xs[23], xs[31] = float32(math.NaN()), -40, float32(math.Inf(1))
	g := make([]float32, len(xs))
	for i := range g {
		g[i] = float32(i%5) - 1.5
	}
	whole, wholeB := make([]float32, len(xs)), make([]float32, len(xs))
	geluChunk(whole, xs)
	geluBackwardChunk(wholeB, g, xs)
	for lo := 0; lo < len(xs); lo++ {
		for n := 1; n < 20 && lo+n <= len(xs); n++ {
			part, partB := make([]float32, n), append([]float32(nil), g[lo:lo+n]...)
			geluChunk(part, xs[lo:lo+n])
			geluBackwardChunk(partB, partB, xs[lo:lo+n]) // in place
			for i := range part {
				if math.Float32bits(part[i]) != math.Float32bits(whole[lo+i]) || math.Float32bits(partB[i]) != math.Float32bits(wholeB[lo+i]) {
					t.Fatalf("chunk [%d:%d] element %d: %g, %g; whole row: %g, %g", lo, lo+n, i, part[i], partB[i], whole[lo+i], wholeB[lo+i])
				}
			}
		}
	}
}
