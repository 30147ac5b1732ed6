package cpu

import (
	"math"

	"gltrain/backend"
)

// The exact GELU on the CPU, x·Φ(x), and its derivative Φ(x) + x·φ(x).
// With cgo on amd64 and AVX2 (gelu_cgo.go) they run eight elements at a
// time, in float64 with FreeBSD's erfc and a polynomial exp, rounded once to
// float32; elsewhere, through the activation table's float64 reference. The
// two agree to within 1 float32 ulp (the fast path is about 1e-13 relative
// in float64, so it can differ from the reference only where the float64
// value lies that close to a rounding boundary); near GELU'(x) = 0, at
// x ≈ −0.7518, where the sum Φ + x·φ cancels, the difference is within
// 2e-16·|g| absolute, the reference's own float64 error there.
// Inputs with |x| > 30, ±Inf and NaN take the reference's path on every
// processor (geluOdd), so those values are the reference's bits. Each
// element's result depends on it alone, not on the chunk it falls in, so
// results are the same for every thread count.

// geluOddLimit is the bound past which an input is odd: there Φ(x) is 0 or
// 1 to float64's precision, and the reference gives x or −0 (or NaN).
const geluOddLimit = 30

// geluGo sets d = float32(GELU(s)) through the table's reference F.
func geluGo(d, s []float32) {
	fn := backend.GELU.Def().F
	for i, x := range s[:len(d)] {
		d[i] = float32(fn(float64(x), backend.ActivationParams{}))
	}
}

// geluBackwardGo sets d = float32(g·GELU'(x)) through the table's reference DF.
func geluBackwardGo(d, g, x []float32) {
	df := backend.GELU.Def().DF
	g = g[:len(d)]
	for i, xi := range x[:len(d)] {
		d[i] = float32(float64(g[i]) * df(float64(xi), backend.ActivationParams{}))
	}
}

// geluOdd sets d[i] = float32(GELU(s[i])) by the reference where s[i] is odd
// (not |s[i]| ≤ geluOddLimit), the elements the AVX2 loop leaves.
func geluOdd(d, s []float32) {
	fn := backend.GELU.Def().F
	for i, x := range s[:len(d)] {
		if !(abs32(x) <= geluOddLimit) {
			d[i] = float32(fn(float64(x), backend.ActivationParams{}))
		}
	}
}

// geluBackwardOdd is geluOdd for the derivative. The AVX2 loop did not
// write d where x is odd, so g is intact there even when d is g.
func geluBackwardOdd(d, g, x []float32) {
	df := backend.GELU.Def().DF
	g = g[:len(d)]
	for i, xi := range x[:len(d)] {
		if !(abs32(xi) <= geluOddLimit) {
			d[i] = float32(float64(g[i]) * df(float64(xi), backend.ActivationParams{}))
		}
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
