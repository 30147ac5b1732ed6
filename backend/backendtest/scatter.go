package backendtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// runScatter checks backend.RowScatterer, when b implements it:
// ScatterAddRows against a float64 oracle and, bit for bit, against the
// documented summation order (ScatterAddRowsOrder) on sizes that are not
// multiples of the work group, with runs of repeated indices deep enough
// for many tree passes; NaN and ±Inf rows; indices that are not rows; the
// same bits on a rerun; and the argument errors.
func runScatter(t *testing.T, b backend.Backend) {
	sc, ok := b.(backend.RowScatterer)
	if !ok {
		t.Skipf("%s does not implement RowScatterer", b.Name())
	}
	t.Run("random", func(t *testing.T) { runScatterRandom(t, b, sc) })
	t.Run("specials", func(t *testing.T) { runScatterSpecials(t, b, sc) })
	t.Run("errors", func(t *testing.T) { runScatterErrors(t, b, sc) })
}

// scatterPass uploads dst, src and index, scatters, and returns dst.
func scatterPass(b backend.Backend, sc backend.RowScatterer, rows int, dst, src, index []float32) ([]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	n := len(index)
	d := ss.up(shp(rows, len(src)/n), dst)
	s := ss.up(shp(n, len(src)/n), src)
	i := ss.up(shp(n, 1), index)
	if ss.err == nil {
		ss.do(sc.ScatterAddRows(d, s, i))
	}
	out := ss.down(d)
	return out[0], ss.err
}

// ScatterAddRowsOrder is backend.RowScatterer's sum in float32, in its
// documented order: for each index v, the rows of src with index v in
// increasing position, x_0 … x_{L−1}, reduced by passes of stride 1, 2,
// 4, … (x_r += x_{r+s} for r a multiple of 2s, r+s < L), and dst[v,:] +=
// x_0. Every index must be a row of dst. dst is updated in place.
func ScatterAddRowsOrder(dst, src, index []float32, dim int) {
	rows := len(dst) / dim
	runs := make([][]int, rows)
	for i, x := range index {
		runs[int(x)] = append(runs[int(x)], i)
	}
	for v, pos := range runs {
		x := make([][]float32, len(pos))
		for r, p := range pos {
			x[r] = append([]float32(nil), src[p*dim:(p+1)*dim]...)
		}
		for s := 1; s < len(x); s *= 2 {
			for r := 0; r+s < len(x); r += 2 * s {
				for j := range x[r] {
					x[r][j] += x[r+s][j]
				}
			}
		}
		if len(x) > 0 {
			for j := 0; j < dim; j++ {
				dst[v*dim+j] += x[0][j]
			}
		}
	}
}

func runScatterRandom(t *testing.T, b backend.Backend, sc backend.RowScatterer) {
	for i, tc := range []struct{ n, dim, rows int }{
		{1, 1, 1},
		{1, 5, 3},
		{7, 3, 4},      // repeated and missing indices
		{300, 1, 2},    // runs of ~150: 9 tree passes, 2 groups of rows
		{257, 13, 100}, // n one past the work group
		{1000, 3, 3},   // runs of ~333, a sort of 1024
		{33, 70, 700},  // dst larger than src, mostly untouched
	} {
		r := rand.New(rand.NewPCG(uint64(i), 91))
		src, dst := randomSlice(r, tc.n*tc.dim), randomSlice(r, tc.rows*tc.dim)
		index := make([]float32, tc.n)
		for k := range index {
			index[k] = float32(r.IntN(tc.rows))
		}
		got, err := scatterPass(b, sc, tc.rows, dst, src, index)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		// The float64 oracle and its error scale Σ|terms|: a float32 tree
		// of L terms errs by at most about log2(L)·2⁻²⁴ of that scale,
		// 6e-7 at L = 1000; 1e-6 leaves room.
		want, scale := make([]float64, len(dst)), make([]float64, len(dst))
		for k, x := range dst {
			want[k], scale[k] = float64(x), math.Abs(float64(x))
		}
		for k, v := range index {
			for j := 0; j < tc.dim; j++ {
				e := int(v)*tc.dim + j
				want[e] += float64(src[k*tc.dim+j])
				scale[e] += math.Abs(float64(src[k*tc.dim+j]))
			}
		}
		for e := range want {
			if d := math.Abs(float64(got[e]) - want[e]); !(d <= 1e-6*scale[e]) {
				t.Fatalf("%d %+v: dst[%d] = %v, want %v (scale %v)", i, tc, e, got[e], want[e], scale[e])
			}
		}
		// Every backend adds in the documented order, in float32: the
		// bits must be those of the host's sum in that order.
		order := append([]float32(nil), dst...)
		ScatterAddRowsOrder(order, src, index, tc.dim)
		for e := range order {
			if math.Float32bits(got[e]) != math.Float32bits(order[e]) {
				t.Fatalf("%d %+v: dst[%d] = %v, want %v: not the documented order's bits", i, tc, e, got[e], order[e])
			}
		}
		again, err := scatterPass(b, sc, tc.rows, dst, src, index)
		if err != nil {
			t.Fatalf("%d: rerun: %v", i, err)
		}
		if d := linearSameBits([][]float32{again}, [][]float32{got}); d != "" {
			t.Errorf("%d: rerun differs: %s", i, d)
		}
	}
}

// runScatterSpecials: non-finite rows add as IEEE does (NaN stays NaN, Inf
// + −Inf is NaN, Inf + finite is Inf), and an index that is not a row
// (negative, fractional, past the end, NaN) makes all of dst NaN.
func runScatterSpecials(t *testing.T, b backend.Backend, sc backend.RowScatterer) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	src := []float32{1, nan, inf, -inf, 2, inf, 0, 3}
	got, err := scatterPass(b, sc, 3, []float32{0, 0, 1, 1, -2, 5}, src, []float32{0, 0, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	// row 0: (1, NaN) + (Inf, −Inf); row 1 untouched; row 2: (−2, 5) + (2, Inf) + (0, 3).
	want := []float32{inf, nan, 1, 1, -2 + 2 + 0, 5 + inf + 3}
	for k := range want {
		if !sameValue32(got[k], want[k]) {
			t.Errorf("non-finite rows: dst[%d] = %v, want %v (all %v)", k, got[k], want[k], got)
		}
	}
	for _, bad := range []float32{-1, 1.5, 3, nan, inf} {
		// 300 rows: the bad index among others, past one work group.
		index := make([]float32, 300)
		for k := range index {
			index[k] = float32(k % 3)
		}
		index[137] = bad
		got, err := scatterPass(b, sc, 3, make([]float32, 3*2), make([]float32, 300*2), index)
		if err != nil {
			t.Fatalf("index %v: %v", bad, err)
		}
		for k, x := range got {
			if x == x {
				t.Errorf("index %v: dst[%d] = %v, want NaN", bad, k, x)
			}
		}
	}
}

func runScatterErrors(t *testing.T, b backend.Backend, sc backend.RowScatterer) {
	ss := &session{b: b}
	defer ss.release()
	dst, src, idx := ss.up(shp(4, 3), make([]float32, 12)), ss.up(shp(2, 3), make([]float32, 6)), ss.up(shp(2, 1), []float32{0, 1})
	wide, idx3 := ss.up(shp(4, 5), make([]float32, 20)), ss.up(shp(3, 1), []float32{0, 1, 2})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	checkErrors(t, []errorCase{
		{"dst columns", func() error { return sc.ScatterAddRows(wide, src, idx) }, backend.ErrShape, []string{"scatter add rows", "4×5", "2×3"}},
		{"index rows", func() error { return sc.ScatterAddRows(dst, src, idx3) }, backend.ErrShape, []string{"scatter add rows", "3×1"}},
		{"dst is src", func() error { return sc.ScatterAddRows(src, src, idx) }, backend.ErrAlias, []string{"scatter add rows"}},
		{"foreign", func() error { return sc.ScatterAddRows(dst, foreignTensor{}, idx) }, backend.ErrForeign, []string{"scatter add rows"}},
		{"nil", func() error { return sc.ScatterAddRows(nil, src, idx) }, backend.ErrForeign, []string{"scatter add rows"}},
	})
}
