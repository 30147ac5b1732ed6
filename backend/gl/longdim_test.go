package gl_test

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// TestMatMulLongK multiplies over inner dimensions far beyond what one
// invocation may loop over (llvmpipe cut k = 40,000 short at 37,445
// terms): split-K must give every product's full sum, on every transpose
// and with beta, against the CPU backend.
//
// The operands are |N(0,1)|, so every product is positive and a sum cut
// short is far off. Tolerance: both sides add the products in float32, in
// different orders (the GPU sequentially within chunks of 4096, then the
// chunks in order; OpenBLAS or gonum in blocks), each with an error below
// 4096·2⁻²⁴ of Σ a·b per chunk-long run; the test allows twice that.
func TestMatMulLongK(t *testing.T) {
	b := backendtest.Open(t, "gl")
	ref := cpu.New()
	// ones(1×40000)·ones(40000×1) is 40000 exactly on any correct path.
	ones := make([]float32, 40000)
	for i := range ones {
		ones[i] = 1
	}
	x, _ := backend.FromData(b, backend.Shape{Rows: 1, Cols: 40000}, ones)
	y, _ := backend.FromData(b, backend.Shape{Rows: 40000, Cols: 1}, ones)
	c, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
	if err := b.MatMul(false, false, 1, x, y, 0, c); err != nil {
		t.Fatal(err)
	}
	if got, err := backend.ToHost(b, c); err != nil || got[0] != 40000 {
		t.Fatalf("ones(1×40000)·ones(40000×1) = %v (%v), want 40000", got, err)
	}
	b.Release(x)
	b.Release(y)
	b.Release(c)

	for i, tc := range []struct {
		m, n, k int
		tA, tB  backend.Transpose
		beta    float32
	}{
		{1, 1, 100000, false, false, 0},
		{3, 5, 100000, true, false, 0},  // a weight gradient, k = batch
		{3, 5, 100000, true, false, 1},  // accumulated
		{7, 2, 70001, false, true, 0.5}, // NT
		{2, 9, 9000, true, true, 0},     // TT, 3 chunks
		{70, 65, 4097, false, false, 0}, // just past one chunk
		{5, 3, 4096, false, false, 1},   // exactly one chunk
	} {
		t.Run(fmt.Sprintf("%d:%dx%dx%d", i, tc.m, tc.n, tc.k), func(t *testing.T) {
			as := backend.Shape{Rows: tc.m, Cols: tc.k} // op(A) is m×k
			if tc.tA {
				as = backend.Shape{Rows: tc.k, Cols: tc.m}
			}
			bs := backend.Shape{Rows: tc.k, Cols: tc.n}
			if tc.tB {
				bs = backend.Shape{Rows: tc.n, Cols: tc.k}
			}
			abs := func(d []float32) []float32 {
				for j := range d {
					d[j] = float32(math.Abs(float64(d[j])))
				}
				return d
			}
			ad := abs(backend.NormalData(as.Len(), uint64(i+1), 0, 1))
			bd := abs(backend.NormalData(bs.Len(), uint64(i+100), 0, 1))
			cd := backend.NormalData(tc.m*tc.n, uint64(i+200), 0, 1)
			run := func(be backend.Backend) []float32 {
				a, _ := backend.FromData(be, as, ad)
				bb, _ := backend.FromData(be, bs, bd)
				c, _ := backend.FromData(be, backend.Shape{Rows: tc.m, Cols: tc.n}, cd)
				defer be.Release(a)
				defer be.Release(bb)
				defer be.Release(c)
				if err := be.MatMul(tc.tA, tc.tB, 1, a, bb, tc.beta, c); err != nil {
					t.Fatal(err)
				}
				out, err := backend.ToHost(be, c)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			got, want := run(b), run(ref)
			for j := range want {
				// The result's size (plus beta·c) bounds Σ a·b.
				tol := 2 * 4096 * math.Pow(2, -24) * (math.Abs(float64(want[j])) + math.Abs(float64(cd[j])))
				if d := math.Abs(float64(got[j] - want[j])); !(d <= tol) {
					t.Fatalf("element %d: gl %v, cpu %v (|Δ| %.3g > %.3g)", j, got[j], want[j], d, tol)
				}
			}
		})
	}
}
