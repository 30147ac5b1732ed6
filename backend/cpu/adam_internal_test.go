package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamChunkMatchesGo: the loop adamStep runs (in C, vectorised, where
// the build has cgo on amd64) gives the Go loop's bits for every element,
// special values included, at lengths around the vector width.
func TestAdamChunkMatchesGo(t *testing.T) {
	t.Logf("adamChunk in C: %v", adamInC)
	r := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 3e38}
	for _, n := range []int{1, 7, 8, 9, 31, 1000, 4099} {
		mk := func(scale float64) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(r.NormFloat64() * scale)
				if r.IntN(50) == 0 {
					s[i] = special[r.IntN(len(special))]
				}
			}
			return s
		}
		p, g, m, v := mk(1), mk(0.1), mk(0.01), mk(0.001)
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i])))
		}
		p2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
		for _, c := range [][7]float32{{0.9, 0.999, 1e-8, 1e-3, 1.2, 1, 0}, {0.8, 0.99, 1e-6, 0.1, 3, 0.999, 0.01}} {
			adamChunk(p, g, m, v, c[0], c[1], c[2], c[3], c[4], c[5], c[6])
			adamGo(p2, g, m2, v2, c[0], c[1], c[2], c[3], c[4], c[5], c[6])
			for i := range p {
				for _, pair := range [][2]float32{{p[i], p2[i]}, {m[i], m2[i]}, {v[i], v2[i]}} {
					if math.Float32bits(pair[0]) != math.Float32bits(pair[1]) && !(pair[0] != pair[0] && pair[1] != pair[1]) {
						t.Fatalf("n %d, element %d: %v from adamChunk, %v from the Go loop", n, i, pair[0], pair[1])
					}
				}
			}
		}
	}
}

func benchAdam(b *testing.B, f func(p, g, m, v []float32, b1, b2, eps, step, inv, decay, l2 float32)) {
	n := 203530
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range p {
		p[i], g[i] = float32(i%17)*0.01, float32(i%13)*0.001
	}
	for b.Loop() {
		f(p, g, m, v, 0.9, 0.999, 1e-8, 1e-3, 1.1, 1, 0)
	}
}

func BenchmarkAdamChunk(b *testing.B) { benchAdam(b, adamChunk) }
func BenchmarkAdamGo(b *testing.B)    { benchAdam(b, adamGo) }
