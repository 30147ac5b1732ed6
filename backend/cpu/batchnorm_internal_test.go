package cpu

import (
	"math"
	"testing"

	"gltrain/backend"
)

// TestBatchNormLoopsMatchGo: the BatchNorm loops the kernels run (in C
// with AVX2 where the build has cgo on amd64, from bnInCMin values a span)
// give the Go loops' bits — both sums, the normalised output and dx — at
// lengths around the vector width and the threshold, with NaN, ±Inf and
// ±0 among the values.
func TestBatchNormLoopsMatchGo(t *testing.T) {
	t.Logf("BatchNorm loops in C: %v", batchNormInC)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 3e38}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	for _, n := range []int{1, 3, 31, 32, 33, 35, 64, 121, 676, 1001} {
		for _, withSpecial := range []bool{false, true} {
			x := backend.NormalData(n, uint64(n), 3, 2)
			dy := backend.NormalData(n, uint64(n)+1, 0, 1)
			if withSpecial {
				x[n/2] = special[n%len(special)]
				dy[n-1] = special[(n+2)%len(special)]
			}
			s, q := shiftedSumsChunk(x, 2.5)
			sg, qg := shiftedSums(x, 2.5)
			b, sx := dySumsChunk(dy, x, 2.75)
			bg, sxg := dySums(dy, x, 2.75)
			for i, p := range [][2]float64{{s, sg}, {q, qg}, {b, bg}, {sx, sxg}} {
				if !same(p[0], p[1]) {
					t.Fatalf("n=%d special=%v: sum %d = %v, Go loop %v", n, withSpecial, i, p[0], p[1])
				}
			}
			y, yg := make([]float32, n), make([]float32, n)
			applyChunk(y, x, 0.7, -1.3)
			applyGo(yg, x, 0.7, -1.3)
			dx, dxg := make([]float32, n), make([]float32, n)
			dxChunk(dx, dy, x, 0.9, -0.11, 0.37)
			dxGo(dxg, dy, x, 0.9, -0.11, 0.37)
			for j := range y {
				if !same(float64(y[j]), float64(yg[j])) || !same(float64(dx[j]), float64(dxg[j])) {
					t.Fatalf("n=%d special=%v: [%d] y %v (Go %v), dx %v (Go %v)", n, withSpecial, j, y[j], yg[j], dx[j], dxg[j])
				}
			}
		}
	}
}

// TestBatchNormLoopsAllocateNothing: a span's sums come back from C by
// value; a Go pointer passed for them would be heap-allocated at each of
// the rows×channels spans of a step (24,576 for the MNIST BatchNorm CNN).
func TestBatchNormLoopsAllocateNothing(t *testing.T) {
	x, dy := backend.NormalData(100, 1, 0, 1), backend.NormalData(100, 2, 0, 1)
	var sink float64
	allocs := testing.AllocsPerRun(10, func() {
		a, b := shiftedSumsChunk(x, 0.5)
		c, d := dySumsChunk(dy, x, 0.5)
		sink += a + b + c + d
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per span", allocs)
	}
	_ = sink
}
