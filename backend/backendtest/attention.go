package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// runAttention checks the optional interfaces of attention, for those b
// implements: BatchedMatMul (backend.BatchedMatMuler) against a float64
// oracle on strided batches inside larger tensors, every transpose, sizes
// off the GPU tiles, the elements around the matrices untouched, and its
// argument errors; the causal softmax (backend.CausalSoftmaxer) forward and
// backward against float64 oracles, in place, on NaN and ±Inf scores, and
// its argument errors.
func runAttention(t *testing.T, b backend.Backend) {
	if bm, ok := b.(backend.BatchedMatMuler); ok {
		for i, c := range batchedCases() {
			t.Run(fmt.Sprintf("batched matmul %d %s", i, c.name), func(t *testing.T) { runBatchedCase(t, b, bm, c, uint64(i)) })
		}
		t.Run("batched matmul errors", func(t *testing.T) { runBatchedErrors(t, b, bm) })
	}
	if cs, ok := b.(backend.CausalSoftmaxer); ok {
		// T = 1 (every row one seen score), 7 and 300 (not multiples of a
		// work group) and 1000 (four scores an invocation on a GPU).
		for i, c := range []struct{ n, T int }{{3, 1}, {2, 7}, {2, 300}, {1, 1000}} {
			t.Run(fmt.Sprintf("causal softmax %dx%d", c.n, c.T), func(t *testing.T) { runCausalSoftmaxCase(t, b, cs, c.n, c.T, uint64(i)) })
		}
		t.Run("causal softmax NaN and Inf", func(t *testing.T) { runCausalSoftmaxSpecial(t, b, cs) })
		t.Run("causal softmax errors", func(t *testing.T) { runCausalSoftmaxErrors(t, b, cs) })
	}
}

// batchedCase is a batched product with the sizes of its three tensors,
// each operand a batch of strided matrices inside its tensor.
type batchedCase struct {
	name       string
	p          backend.BatchedGemm
	a, b, c    backend.Strided // T unset: the tensors are made of the sizes
	na, nb, nc int             // the tensors' lengths
}

func batchedCases() []batchedCase {
	var cs []batchedCase
	// The heads of attention: qkv (B·T)×3C, B = 2, T = 37, C = 12, 3
	// heads of hs = 4; scores (B·heads·T)×T; y (B·T)×C.
	const B, T, H, hs = 2, 37, 3, 4
	C := H * hs
	q := backend.Strided{Offset: 0, LD: 3 * C, Stride: [2]int{T * 3 * C, hs}}
	k := backend.Strided{Offset: C, LD: 3 * C, Stride: [2]int{T * 3 * C, hs}}
	v := backend.Strided{Offset: 2 * C, LD: 3 * C, Stride: [2]int{T * 3 * C, hs}}
	att := backend.Strided{LD: T, Stride: [2]int{H * T * T, T * T}}
	y := backend.Strided{LD: C, Stride: [2]int{T * C, hs}}
	batch := [2]int{B, H}
	nqkv, natt, ny := B*T*3*C, B*H*T*T, B*T*C
	cs = append(cs,
		batchedCase{"q·kᵀ", backend.BatchedGemm{Batch: batch, M: T, N: T, K: hs, TransB: backend.Trans, Alpha: 0.5}, q, k, att, nqkv, nqkv, natt},
		batchedCase{"att·v", backend.BatchedGemm{Batch: batch, M: T, N: hs, K: T, Alpha: 1}, att, v, y, natt, nqkv, ny},
		batchedCase{"attᵀ·dy", backend.BatchedGemm{Batch: batch, M: T, N: hs, K: T, TransA: backend.Trans, Alpha: 1}, att, y, v, natt, ny, nqkv},
		batchedCase{"dy·vᵀ", backend.BatchedGemm{Batch: batch, M: T, N: T, K: hs, TransB: backend.Trans, Alpha: 1}, y, v, att, ny, nqkv, natt},
		batchedCase{"dsᵀ·q, beta 1", backend.BatchedGemm{Batch: batch, M: T, N: hs, K: T, TransA: backend.Trans, Alpha: 0.5, Beta: 1}, att, q, k, natt, nqkv, nqkv},
	)
	// Every transpose, 33×45×19 and 70×65×21 (off the GPU's 32- and
	// 64-tiles and its 16 k-tile), a 2×3 batch with padded leading
	// dimensions and gaps between matrices, beta 0 and −0.5.
	for i, tr := range [][2]backend.Transpose{{false, false}, {false, true}, {true, false}, {true, true}, {false, false}, {false, true}, {true, false}, {true, true}} {
		m, n, kk := 33, 45, 19
		if i >= 4 {
			m, n, kk = 70, 65, 21
		}
		ra, ca, rb, cb := m, kk, kk, n
		if tr[0] {
			ra, ca = ca, ra
		}
		if tr[1] {
			rb, cb = cb, rb
		}
		sa := backend.Strided{Offset: 3, LD: ca + 2, Stride: [2]int{3*(ra*(ca+2)+5) + 7, ra*(ca+2) + 5}}
		sb := backend.Strided{Offset: 1, LD: cb + 1, Stride: [2]int{3*(rb*(cb+1)+1) + 7, rb*(cb+1) + 1}}
		sc := backend.Strided{Offset: 2, LD: n + 3, Stride: [2]int{3*(m*(n+3)+4) + 7, m*(n+3) + 4}}
		for _, beta := range []float32{0, -0.5} {
			cs = append(cs, batchedCase{fmt.Sprintf("%dx%dx%d trans %v %v beta %v", m, n, kk, tr[0], tr[1], beta),
				backend.BatchedGemm{Batch: [2]int{2, 3}, M: m, N: n, K: kk, TransA: tr[0], TransB: tr[1], Alpha: 1.5, Beta: beta},
				sa, sb, sc, 2*sa.Stride[0] + 20, 2*sb.Stride[0] + 20, 2*sc.Stride[0] + 20})
		}
	}
	// Products of over 2²⁰ multiply-adds, which a CPU BLAS splits across
	// threads (and batches of smaller ones it does not).
	cs = append(cs, batchedCase{"130x129x64", backend.BatchedGemm{Batch: [2]int{2, 1}, M: 130, N: 129, K: 64, TransB: backend.Trans, Alpha: 1},
		backend.Strided{LD: 64, Stride: [2]int{130 * 64, 0}},
		backend.Strided{LD: 64, Stride: [2]int{129 * 64, 0}},
		backend.Strided{LD: 129, Stride: [2]int{130 * 129, 0}},
		2 * 130 * 64, 2 * 129 * 64, 2 * 130 * 129})
	// The longest k, MaxBatchedK: 256 k-tiles in one GPU loop.
	cs = append(cs, batchedCase{"k 4096", backend.BatchedGemm{Batch: [2]int{1, 2}, M: 3, N: 5, K: backend.MaxBatchedK, Alpha: 1},
		backend.Strided{LD: backend.MaxBatchedK, Stride: [2]int{0, 3 * backend.MaxBatchedK}},
		backend.Strided{LD: 5, Stride: [2]int{0, 5 * backend.MaxBatchedK}},
		backend.Strided{LD: 5, Stride: [2]int{0, 15}},
		6 * backend.MaxBatchedK, 10 * backend.MaxBatchedK, 30})
	return cs
}

// BatchedOracle computes c += the batched product of p in float64 (c holds
// the tensor's elements, beta already applied by the caller's choice of its
// initial values: it is set to alpha·op(A)·op(B) + beta·c), with scale the
// sum of the magnitudes of each output's terms; elements of c outside the
// matrices keep their values, and their scale is 0.
func BatchedOracle(p backend.BatchedGemm, a, b, c backend.Strided, ad, bd []float32, cd []float64) (scale []float64) {
	scale = make([]float64, len(cd))
	for z0 := range p.Batch[0] {
		for z1 := range p.Batch[1] {
			oa := a.Offset + z0*a.Stride[0] + z1*a.Stride[1]
			ob := b.Offset + z0*b.Stride[0] + z1*b.Stride[1]
			oc := c.Offset + z0*c.Stride[0] + z1*c.Stride[1]
			for i := range p.M {
				for j := range p.N {
					var sum, mag float64
					for l := range p.K {
						ea, eb := oa+i*a.LD+l, ob+l*b.LD+j
						if p.TransA {
							ea = oa + l*a.LD + i
						}
						if p.TransB {
							eb = ob + j*b.LD + l
						}
						sum += float64(ad[ea]) * float64(bd[eb])
						mag += math.Abs(float64(ad[ea]) * float64(bd[eb]))
					}
					e := oc + i*c.LD + j
					prior := 0.0
					if p.Beta != 0 {
						prior = float64(p.Beta) * cd[e]
					}
					cd[e] = float64(p.Alpha)*sum + prior
					scale[e] = math.Abs(float64(p.Alpha))*mag + math.Abs(prior)
				}
			}
		}
	}
	return scale
}

// batchedTol: each output is a float32 sum of K products (at most 4096),
// whose rounding on random signs grows as √K·2⁻²⁴ of the sum of the terms'
// magnitudes (4e-6 at K = 4096): 1e-5 of the oracle's scale.
var batchedTol = Tol{ATol: 1e-7, RTol: 1e-5}

func runBatchedCase(t *testing.T, b backend.Backend, bm backend.BatchedMatMuler, c batchedCase, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 81))
	ad, bd, cd := randomSlice(r, c.na), randomSlice(r, c.nb), randomSlice(r, c.nc)
	if c.p.Beta == 0 { // the prior contents must be ignored, NaN included
		for i := range cd {
			if i%3 == 0 {
				cd[i] = float32(math.NaN())
			}
		}
	}
	want := To64(cd)
	scale := BatchedOracle(c.p, c.a, c.b, c.c, ad, bd, want)
	run := func() []float32 {
		ss := &session{b: b}
		defer ss.release()
		a, bb, cc := c.a, c.b, c.c
		a.T, bb.T, cc.T = ss.up(backend.Shape{Rows: 1, Cols: c.na}, ad), ss.up(backend.Shape{Rows: 1, Cols: c.nb}, bd), ss.up(backend.Shape{Rows: 1, Cols: c.nc}, cd)
		if ss.err == nil {
			ss.do(bm.BatchedMatMul(c.p, a, bb, cc))
		}
		got := ss.down(cc.T)
		if ss.err != nil {
			t.Fatal(ss.err)
		}
		return got[0]
	}
	got := run()
	// Elements outside the matrices have scale 0 and must come back exactly
	// (NaN as NaN): Diff's ATol does not admit any change to them beyond 1e-7.
	if msg := DiffScaled(backend.Shape{Rows: 1, Cols: c.nc}, got, want, scale, batchedTol); msg != "" {
		t.Errorf("%+v: %s", c.p, msg)
	}
	if msg := linearSameBits([][]float32{got}, [][]float32{run()}); msg != "" {
		t.Errorf("a second run gave other bits: %s", msg)
	}
}

func runBatchedErrors(t *testing.T, b backend.Backend, bm backend.BatchedMatMuler) {
	ss := &session{b: b}
	defer ss.release()
	x, y, z := ss.poisoned(backend.Shape{Rows: 4, Cols: 6}), ss.poisoned(backend.Shape{Rows: 6, Cols: 6}), ss.poisoned(backend.Shape{Rows: 4, Cols: 6})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	p := backend.BatchedGemm{Batch: [2]int{2, 1}, M: 2, N: 6, K: 6, Alpha: 1} // two 2×6 halves of a 4×6 times a 6×6
	half := func(t backend.Tensor) backend.Strided { return backend.Strided{T: t, LD: 6, Stride: [2]int{12, 0}} }
	at := func(off, ld int, s0 int) backend.Strided {
		return backend.Strided{T: y, Offset: off, LD: ld, Stride: [2]int{s0, 0}}
	}
	if err := bm.BatchedMatMul(p, half(x), backend.Strided{T: y, LD: 6}, half(z)); err != nil {
		t.Fatalf("a valid product: %v", err)
	}
	withK := p
	withK.K = backend.MaxBatchedK + 1
	zero := p
	zero.Batch[1] = 0
	for i, tc := range []struct {
		err  error
		want error
	}{
		{bm.BatchedMatMul(p, half(x), at(1, 6, 0), half(z)), backend.ErrShape},                                                              // b's last element beyond y
		{bm.BatchedMatMul(p, half(x), backend.Strided{T: y, LD: 6}, backend.Strided{T: z, LD: 6, Stride: [2]int{13, 0}}), backend.ErrShape}, // c's second matrix beyond z
		{bm.BatchedMatMul(p, half(x), at(0, 5, 0), half(z)), backend.ErrInvalidArgument},                                                    // leading dimension below the row
		{bm.BatchedMatMul(p, half(x), at(-1, 6, 0), half(z)), backend.ErrInvalidArgument},                                                   // negative offset
		{bm.BatchedMatMul(p, half(x), at(0, 6, -1), half(z)), backend.ErrInvalidArgument},                                                   // negative stride
		{bm.BatchedMatMul(p, half(x), backend.Strided{T: y, LD: 6}, half(x)), backend.ErrAlias},
		{bm.BatchedMatMul(withK, half(x), backend.Strided{T: y, LD: 6}, half(z)), backend.ErrInvalidArgument},
		{bm.BatchedMatMul(zero, half(x), backend.Strided{T: y, LD: 6}, half(z)), backend.ErrInvalidArgument},
		{bm.BatchedMatMul(p, half(x), backend.Strided{LD: 6}, half(z)), backend.ErrForeign},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}

// CausalSoftmaxOracle is the causal softmax's forward and backward in
// float64 from the definitions (backend.CausalSoftmaxer) on rows of T:
// p from s, and ds from p (the oracle's) and dp, with dss the sum of the
// magnitudes of each ds's terms.
func CausalSoftmaxOracle(T int, s, dp []float32) (p, ds, dss []float64) {
	p, ds, dss = make([]float64, len(s)), make([]float64, len(s)), make([]float64, len(s))
	for r := 0; r < len(s)/T; r++ {
		row, seen := s[r*T:(r+1)*T], r%T+1
		mu, bad := math.Inf(-1), false
		for _, v := range row[:seen] {
			bad = bad || math.IsNaN(float64(v))
			mu = math.Max(mu, float64(v))
		}
		bad = bad || math.IsInf(mu, 0)
		var sum float64
		for _, v := range row[:seen] {
			sum += math.Exp(float64(v) - mu)
		}
		var dot, dotMag float64
		for j := range row[:seen] {
			e := r*T + j
			p[e] = math.Exp(float64(row[j])-mu) / sum
			if bad {
				p[e] = math.NaN()
			}
			dot += p[e] * float64(dp[e])
			dotMag += math.Abs(p[e] * float64(dp[e]))
		}
		for j := range row[:seen] {
			e := r*T + j
			ds[e] = p[e] * (float64(dp[e]) - dot)
			dss[e] = math.Abs(p[e]) * (math.Abs(float64(dp[e])) + dotMag)
		}
	}
	return
}

// causalSoftmaxPass runs the forward pass in place (p is s) and out of
// place, then the backward pass in place (ds is dp), and returns the two
// p and ds.
func causalSoftmaxPass(b backend.Backend, cs backend.CausalSoftmaxer, T int, s, dp []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	sh := backend.Shape{Rows: len(s) / T, Cols: T}
	st, inPlace, dpt, pt := ss.up(sh, s), ss.up(sh, s), ss.up(sh, dp), ss.poisoned(sh)
	if ss.err == nil {
		ss.do(cs.CausalSoftmaxForward(pt, st))
		ss.do(cs.CausalSoftmaxForward(inPlace, inPlace))
		ss.do(cs.CausalSoftmaxBackward(dpt, pt, dpt))
	}
	return ss.down(pt, inPlace, dpt), ss.err
}

// causalSoftmaxTol: p is an exp over a float32 sum of at most T terms of
// at most 1 each (a tree of them on a GPU), a few ulp of the sum; ds is
// p times a float32 sum of T products: 1e-5 of the terms' magnitudes
// (the oracle's scale for ds, p itself for p), with 1e-7 absolute for
// probabilities that underflow.
var causalSoftmaxTol = Tol{ATol: 1e-7, RTol: 1e-5}

func runCausalSoftmaxCase(t *testing.T, b backend.Backend, cs backend.CausalSoftmaxer, n, T int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 82))
	s, dp := randomSlice(r, n*T*T), randomSlice(r, n*T*T)
	for i := range s {
		s[i] *= 8 // scores spread over e^±8: probabilities far from uniform
		if j := i % T; j > (i/T)%T && i%5 == 0 {
			s[i], dp[i] = float32(math.NaN()), float32(math.Inf(1)) // masked: never read
		}
	}
	got, err := causalSoftmaxPass(b, cs, T, s, dp)
	if err != nil {
		t.Fatal(err)
	}
	p, ds, dss := CausalSoftmaxOracle(T, s, dp)
	sh := backend.Shape{Rows: n * T, Cols: T}
	for i, c := range []struct {
		name        string
		want, scale []float64
	}{{"p", p, nil}, {"p in place", p, nil}, {"ds", ds, dss}} {
		if msg := DiffScaled(sh, got[i], c.want, c.scale, causalSoftmaxTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
	checkMaskedZero(t, T, got)
	again, err := causalSoftmaxPass(b, cs, T, s, dp)
	if err != nil {
		t.Fatal(err)
	}
	if msg := linearSameBits(got, again); msg != "" {
		t.Errorf("a second run gave other bits: %s", msg)
	}
}

// checkMaskedZero checks that every output holds exactly +0 in the masked
// columns.
func checkMaskedZero(t *testing.T, T int, outs [][]float32) {
	t.Helper()
	for i, o := range outs {
		for e, v := range o {
			if r, j := e/T, e%T; j > r%T && math.Float32bits(v) != 0 {
				t.Errorf("output %d: row %d column %d (masked) is %v, want 0", i, r, j, v)
				return
			}
		}
	}
}

// runCausalSoftmaxSpecial: T = 4. A NaN seen score makes its row's seen
// probabilities NaN, a NaN masked one changes nothing; +Inf makes the
// row NaN (Inf − Inf), and so do seen scores all −Inf; a −Inf score with a
// finite maximum has probability 0. NaN and Inf in the masked columns of
// dp are never read.
func runCausalSoftmaxSpecial(t *testing.T, b backend.Backend, cs backend.CausalSoftmaxer) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	const T = 4
	s := []float32{
		1, nan, nan, nan, // row t=0: the masked NaN are not read
		1, 2, inf, 0,
		1, nan, 3, 4, // NaN seen
		5, 6, 7, 8,
		inf, 0, 0, 0, // +Inf at t=0
		-inf, -inf, 0, 0, // every seen score −Inf
		1, -inf, 2, nan, // −Inf with a finite maximum: probability 0
		-inf, 2, 3, inf, // +Inf seen at t=3
	}
	dp := make([]float32, len(s))
	for i := range dp {
		dp[i] = float32(i%7) - 3
		if i%T > (i/T)%T {
			dp[i] = nan
		}
	}
	dp[29] = -inf // a seen −Inf: a NaN row anyway, from s's +Inf
	got, err := causalSoftmaxPass(b, cs, T, s, dp)
	if err != nil {
		t.Fatal(err)
	}
	p, ds, _ := CausalSoftmaxOracle(T, s, dp)
	sh := backend.Shape{Rows: len(s) / T, Cols: T}
	for i, c := range []struct {
		name string
		want []float64
	}{{"p", p}, {"p in place", p}, {"ds", ds}} {
		if msg := Diff(sh, got[i], c.want, causalSoftmaxTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
	checkMaskedZero(t, T, got)
}

func runCausalSoftmaxErrors(t *testing.T, b backend.Backend, cs backend.CausalSoftmaxer) {
	ss := &session{b: b}
	defer ss.release()
	sq, other, notMul := ss.poisoned(backend.Shape{Rows: 6, Cols: 3}), ss.poisoned(backend.Shape{Rows: 6, Cols: 3}), ss.poisoned(backend.Shape{Rows: 4, Cols: 3})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		err  error
		want error
	}{
		{cs.CausalSoftmaxForward(notMul, notMul), backend.ErrShape}, // 4 rows are not whole sequences of 3
		{cs.CausalSoftmaxForward(notMul, sq), backend.ErrShape},
		{cs.CausalSoftmaxBackward(notMul, sq, other), backend.ErrShape},
		{cs.CausalSoftmaxBackward(sq, sq, other), backend.ErrAlias},
		{cs.CausalSoftmaxForward(nil, sq), backend.ErrForeign},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}
