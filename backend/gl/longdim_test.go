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
		{5, 3, 4096, false, false, 1},   // exactly one chunk, split for speed (few tiles)
		{256, 10, 1024, true, false, 1}, // a weight gradient split for speed: 4 slices of 256
		{64, 64, 600, false, false, 0},  // one tile, 2 slices of 304 and 296
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

// TestLinearLongK runs the fused linear kernels where each of their
// products is longer than one invocation may sum — the forward over 5000
// inputs, the weight gradient over a batch of 70,000, the input gradient
// over 5000 outputs — against the CPU backend, with both betas. Operands
// are |N(0,1)| and ReLU's derivative is 0 or 1, so every sum is of
// non-negative terms and the tolerance is TestMatMulLongK's.
func TestLinearLongK(t *testing.T) {
	b := backendtest.Open(t, "gl")
	ref := cpu.New()
	relu := backend.Activation{Kind: backend.ReLU}
	abs := func(n int, seed uint64) []float32 {
		d := backend.NormalData(n, seed, 0, 1)
		for j := range d {
			d[j] = float32(math.Abs(float64(d[j])))
		}
		return d
	}
	check := func(t *testing.T, name string, got, want, prior []float32) {
		t.Helper()
		for j := range want {
			tol := 2 * 4096 * math.Pow(2, -24) * (math.Abs(float64(want[j])) + math.Abs(float64(prior[j])))
			if d := math.Abs(float64(got[j] - want[j])); !(d <= tol) {
				t.Fatalf("%s element %d: gl %v, cpu %v (|Δ| %.3g > %.3g)", name, j, got[j], want[j], d, tol)
			}
		}
	}
	for i, tc := range []struct{ batch, in, out int }{
		{3, 5000, 4},  // forward over 5000 inputs
		{70000, 3, 5}, // dW and db over a batch of 70,000
		{2, 3, 5000},  // dx over 5000 outputs
		{4100, 7, 3},  // dW and db just past one chunk
		{3, 4097, 2},  // forward just past one chunk
		{2, 3, 4097},  // dx just past one chunk
	} {
		t.Run(fmt.Sprintf("%d:b%d-%d-%d", i, tc.batch, tc.in, tc.out), func(t *testing.T) {
			xd, wd, bd := abs(tc.batch*tc.in, 1), abs(tc.in*tc.out, 2), abs(tc.out, 3)
			dyd := abs(tc.batch*tc.out, 4)
			prior := map[string][]float32{"dx": abs(tc.batch*tc.in, 5), "dw": abs(tc.in*tc.out, 6), "db": abs(tc.out, 7)}
			run := func(be backend.Backend, beta float32) map[string][]float32 {
				lf := be.(backend.LinearFuser)
				sh := func(r, c int) backend.Shape { return backend.Shape{Rows: r, Cols: c} }
				up := func(s backend.Shape, d []float32) backend.Tensor {
					tt, err := backend.FromData(be, s, d)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { be.Release(tt) })
					return tt
				}
				x, w, bias := up(sh(tc.batch, tc.in), xd), up(sh(tc.in, tc.out), wd), up(sh(1, tc.out), bd)
				y, z := up(sh(tc.batch, tc.out), make([]float32, tc.batch*tc.out)), up(sh(tc.batch, tc.out), make([]float32, tc.batch*tc.out))
				dy := up(sh(tc.batch, tc.out), dyd)
				dx, dw, db := up(sh(tc.batch, tc.in), prior["dx"]), up(sh(tc.in, tc.out), prior["dw"]), up(sh(1, tc.out), prior["db"])
				if err := lf.LinearForward(relu, y, z, x, w, bias); err != nil {
					t.Fatal(err)
				}
				if err := lf.LinearBackward(relu, dx, dw, db, x, w, z, dy, beta, beta, beta); err != nil {
					t.Fatal(err)
				}
				out := map[string][]float32{}
				for name, tt := range map[string]backend.Tensor{"y": y, "z": z, "dx": dx, "dw": dw, "db": db} {
					h, err := backend.ToHost(be, tt)
					if err != nil {
						t.Fatal(err)
					}
					out[name] = h
				}
				return out
			}
			for _, beta := range []float32{0, 1} {
				got, want := run(b, beta), run(ref, beta)
				zero := make([]float32, tc.batch*max(tc.in, tc.out)*max(1, tc.out))
				for _, name := range []string{"y", "z", "dx", "dw", "db"} {
					p := zero
					if beta != 0 && prior[name] != nil {
						p = prior[name]
					}
					check(t, fmt.Sprintf("beta %v %s", beta, name), got[name], want[name], p)
				}
			}
		})
	}
}
