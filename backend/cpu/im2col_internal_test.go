package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// TestIm2colMatchesGo: im2col and col2im as the kernels run them (in C with
// AVX2 for stride 1 where the build has cgo on amd64) give im2colGo's and
// col2imGo's bits, over paddings 0–2, kernels wider and narrower than the
// vector width, lines around 8 floats, and stride 2 (always Go); stale
// values in the outputs must be overwritten.
func TestIm2colMatchesGo(t *testing.T) {
	t.Logf("im2col in C: %v", im2colInC)
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range []backend.Conv2D{
		{C: 32, H: 13, W: 13, K: 64, KH: 3, KW: 3, Stride: 1},
		{C: 1, H: 28, W: 28, K: 32, KH: 3, KW: 3, Stride: 1},
		{C: 2, H: 7, W: 5, K: 3, KH: 3, KW: 2, Stride: 1, Pad: 1},
		{C: 3, H: 9, W: 20, K: 2, KH: 5, KW: 4, Stride: 1, Pad: 2},
		{C: 1, H: 3, W: 4, K: 2, KH: 5, KW: 6, Stride: 1, Pad: 1},
		{C: 2, H: 4, W: 9, K: 2, KH: 1, KW: 1, Stride: 1},
		{C: 2, H: 6, W: 17, K: 2, KH: 2, KW: 9, Stride: 1, Pad: 2},
		{C: 3, H: 9, W: 9, K: 4, KH: 3, KW: 3, Stride: 2, Pad: 1},
	} {
		P := g.OutH() * g.OutW()
		x, dcols := make([]float32, g.In()), make([]float32, g.Patch()*P)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for i := range dcols {
			dcols[i] = float32(r.NormFloat64())
			if i%97 == 0 {
				dcols[i] = float32(math.Copysign(0, -1))
			}
		}
		cols, colsGo := make([]float32, len(dcols)), make([]float32, len(dcols))
		dx, dxGo := make([]float32, len(x)), make([]float32, len(x))
		for _, s := range [][]float32{cols, colsGo, dx, dxGo} {
			for i := range s {
				s[i] = 7
			}
		}
		im2col(g, cols, x)
		im2colGo(g, colsGo, x)
		col2im(g, dx, dcols)
		col2imGo(g, dxGo, dcols)
		for _, c := range []struct {
			what      string
			got, want []float32
		}{{"cols", cols, colsGo}, {"dx", dx, dxGo}} {
			for i := range c.got {
				if math.Float32bits(c.got[i]) != math.Float32bits(c.want[i]) {
					t.Errorf("%v: %s[%d] = %v, the Go loop's %v", g, c.what, i, c.got[i], c.want[i])
					break
				}
			}
		}
	}
}
