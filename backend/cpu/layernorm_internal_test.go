package cpu

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
)

// TestLayerNormLoopsMatchGo: the LayerNorm loops the kernels run (in C
// with AVX2 where the build has cgo on amd64) give the Go loops' bits for
// every output — y and the stats forward, dx and the block's float32 sums
// of dw and db backward — at
// widths around the vector widths of four, eight and sixteen, with each
// vector width the processor has (AVX2, AVX-512),
// with rows holding NaN, ±Inf, ±0 and a constant row (variance 0).
func TestLayerNormLoopsMatchGo(t *testing.T) {
	t.Logf("LayerNorm loops in C: %v, vectors up to level %d (1 AVX2, 2 AVX-512)", layerNormInC, layerNormLevel)
	for level := min(1, layerNormLevel); level <= layerNormLevel; level++ { // each width the processor has (0: the Go loops alone)
		t.Run(fmt.Sprintf("level %d", level), func(t *testing.T) { layerNormLoopsMatchGo(t, level) })
	}
}

func layerNormLoopsMatchGo(t *testing.T, level int) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 3e38}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	check := func(what string, n int, got, want []float32) {
		t.Helper()
		for i := range want {
			if !same(got[i], want[i]) {
				t.Fatalf("n=%d: %s[%d] = %v (bits %#x), Go loop %v (bits %#x)", n, what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 768, 771} {
		const m = 6
		x := backend.NormalData(m*n, uint64(n), 0.5, 2)
		dy := backend.NormalData(m*n, uint64(n)+1, 0, 1)
		w := backend.NormalData(n, uint64(n)+2, 1, 0.5)
		b := backend.NormalData(n, uint64(n)+3, 0, 0.5)
		for j := 0; j < n; j++ {
			x[3*n+j] = 1.25 // a constant row
		}
		x[4*n+n/2] = special[n%len(special)] // a special value in row 4
		x[5*n] = special[(n+3)%len(special)]
		dy[2*n+n-1] = special[(n+1)%len(special)]
		y, yg := make([]float32, m*n), make([]float32, m*n)
		st, stg := make([]float32, 2*m), make([]float32, 2*m)
		layerNormForwardRowsAt(level, 1e-5, y, st, x, w, b, n)
		layerNormForwardRowsGo(1e-5, yg, stg, x, w, b, n)
		check("y", n, y, yg)
		check("stats", n, st, stg)
		dx, dxg := make([]float32, m*n), make([]float32, m*n)
		sw, sb := make([]float32, n), make([]float32, n)
		swg, sbg := make([]float32, n), make([]float32, n)
		for j := range sw { // the sums of an earlier row of the block, added to
			sw[j], sb[j] = float32(j)/3, -float32(j)/7
			swg[j], sbg[j] = sw[j], sb[j]
		}
		layerNormBackwardRowsAt(level, dx, dy, x, w, st, n, sw, sb)
		layerNormBackwardRowsGo(dxg, dy, x, w, st, n, swg, sbg)
		check("dx", n, dx, dxg)
		check("the block's dw sums", n, sw, swg)
		check("the block's db sums", n, sb, sbg)
	}
}
