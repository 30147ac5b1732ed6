package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// TestMaxPool2x2MatchesGo: the 2×2, stride 2 pool (in C with AVX2 where the
// build has cgo on amd64) gives, forward and backward, the bits of the
// Go loops and of the general window loops (maxPoolForward,
// maxPoolBackward), on planes with NaN, ±Inf, ±0 and ties, at widths
// around the vector width of 8 outputs and odd sizes (a row or column no
// window covers).
func TestMaxPool2x2MatchesGo(t *testing.T) {
	t.Logf("2×2 pool in C: %v", poolInC)
	r := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1, 1, 1}
	for _, size := range [][2]int{{2, 2}, {3, 5}, {5, 16}, {4, 17}, {6, 18}, {7, 33}, {26, 26}, {11, 11}, {2, 40}} {
		h, w := size[0], size[1]
		p := backend.Pool2D{C: 3, H: h, W: w, KH: 2, KW: 2, Stride: 2}
		const n = 2
		planes, OH, OW := n*p.C, p.OutH(), p.OutW()
		x, dy := make([]float32, planes*h*w), make([]float32, planes*OH*OW)
		for _, s := range [][]float32{x, dy} {
			for i := range s {
				s[i] = float32(r.NormFloat64())
				if r.IntN(6) == 0 {
					s[i] = special[r.IntN(len(special))]
				}
			}
		}
		name := fmt.Sprintf("%d×%d", h, w)
		y, at := make([]float32, len(dy)), make([]float32, len(dy))
		maxPool2x2Planes(x, y, at, planes, h, w, OH, OW)
		yGo, atGo := make([]float32, len(dy)), make([]float32, len(dy))
		maxPool2x2PlanesGo(x, yGo, atGo, planes, h, w, OH, OW)
		yGen, atGen := make([]float32, len(dy)), make([]float32, len(dy))
		maxPoolForward(p, yGen, atGen, x, 0, planes)
		sameBitsAs(t, name+" y", y, yGo, yGen)
		sameBitsAs(t, name+" arg", at, atGo, atGen)

		dx, dxGo, dxGen := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
		for i := range dx { // stale values, which the kernels must overwrite
			dx[i], dxGo[i], dxGen[i] = 7, 7, 7
		}
		maxPool2x2BackwardPlanes(dx, at, dy, planes, h, w, OH, OW)
		maxPool2x2BackwardPlanesGo(dxGo, at, dy, planes, h, w, OH, OW)
		maxPoolBackward(p, dxGen, at, dy, 0, planes)
		sameBitsAs(t, name+" dx", dx, dxGo, dxGen)
	}
}

// sameBitsAs checks that got has the bits of the Go loop's result and of
// the general loop's.
func sameBitsAs(t *testing.T, what string, got, goLoop, general []float32) {
	t.Helper()
	for i := range got {
		g := math.Float32bits(got[i])
		if g != math.Float32bits(goLoop[i]) || g != math.Float32bits(general[i]) {
			t.Errorf("%s[%d]: %v (%#x); Go loop %v (%#x), general loop %v (%#x)", what, i,
				got[i], g, goLoop[i], math.Float32bits(goLoop[i]), general[i], math.Float32bits(general[i]))
			return
		}
	}
}
