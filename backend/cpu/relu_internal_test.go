package cpu

import (
	"math"
	"testing"
)

// TestReLU32Bits checks the branch-free ReLU and its backward against the
// comparisons they replace (PyTorch's x < 0 ? +0 : x and x ≤ 0 ? +0 : g),
// bit for bit, for every special value and a sweep of bit patterns, with
// finite and non-finite upstream gradients.
func TestReLU32Bits(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	vals := []float32{0, negZero, 1, -1, 1e-45, -1e-45, 3.4e38, -3.4e38, inf, -inf, nan,
		math.Float32frombits(0xffc00000), math.Float32frombits(0xff800001), math.Float32frombits(0x7f800001)}
	for b := uint64(0); b < 1<<32; b += 65521 {
		vals = append(vals, math.Float32frombits(uint32(b)))
	}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	for _, x := range vals {
		want := x
		if x < 0 {
			want = 0
		}
		if got := relu32(x); !same(got, want) {
			t.Fatalf("relu32(%v, bits %#x) = %v (bits %#x), want %v", x, math.Float32bits(x), got, math.Float32bits(got), want)
		}
		for _, g := range []float32{1, -2.5, negZero, inf, -inf, nan} {
			want := g
			if x <= 0 {
				want = 0
			}
			if got := reluBackward32(g, x); !same(got, want) {
				t.Fatalf("reluBackward32(%v, %v (bits %#x)) = %v, want %v", g, x, math.Float32bits(x), got, want)
			}
		}
	}
}

// TestReLUChunkMatchesGo: the ReLU loops the kernels run (in C with AVX2
// where the build has cgo on amd64, from reluInCMin elements) give the Go
// functions' bits for every element, special values and a sweep of bit
// patterns included, at lengths around the vector width and the threshold.
func TestReLUChunkMatchesGo(t *testing.T) {
	t.Logf("ReLU loops in C: %v", reluInC)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		1e-45, -1e-45, math.Float32frombits(0xffc00000), math.Float32frombits(0xff800001), math.Float32frombits(0x80000001), 2, -3}
	var sweep []float32
	for b := uint64(0); b < 1<<32; b += 65521 {
		sweep = append(sweep, math.Float32frombits(uint32(b)))
	}
	for _, n := range []int{1, 7, 8, 63, 64, 65, 71, 1000, len(sweep)} {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = sweep[(i*7919)%len(sweep)]
			if i%5 == 0 {
				x[i] = special[i%len(special)]
			}
			g[i] = special[(i/3)%len(special)]
		}
		d, want := make([]float32, n), make([]float32, n)
		reluChunk(d, x)
		for i, v := range x {
			want[i] = relu32(v)
		}
		for i := range d {
			if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: relu of %#x gave %#x, relu32 %#x", n, math.Float32bits(x[i]), math.Float32bits(d[i]), math.Float32bits(want[i]))
			}
		}
		reluBackwardChunk(d, g, x)
		for i := range x {
			if w := reluBackward32(g[i], x[i]); math.Float32bits(d[i]) != math.Float32bits(w) {
				t.Fatalf("n %d: backward of g %#x at x %#x gave %#x, reluBackward32 %#x", n,
					math.Float32bits(g[i]), math.Float32bits(x[i]), math.Float32bits(d[i]), math.Float32bits(w))
			}
		}
	}
}
