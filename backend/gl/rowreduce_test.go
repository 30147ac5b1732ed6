package gl_test

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
	"gltrain/backend/gl"
)

// rowOps runs the per-row ops on one backend for logits x (m×n) and labels
// y, returning each op's outputs by name: the three losses (and their
// gradients), the fused loss-and-count's three outputs, Argmax and
// CountCorrect.
func rowOps(t *testing.T, be backend.Backend, m, n int, x, y []float32) map[string][]float32 {
	t.Helper()
	var live []backend.Tensor
	defer func() {
		for _, z := range live {
			be.Release(z)
		}
	}()
	up := func(r, c int, d []float32) backend.Tensor {
		z, err := backend.FromData(be, backend.Shape{Rows: r, Cols: c}, d)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, z)
		return z
	}
	poisoned := func(r, c int) backend.Tensor { // a value no kernel writes
		d := make([]float32, r*c)
		for i := range d {
			d[i] = -7
		}
		return up(r, c, d)
	}
	lx, ly := up(m, n, x), up(m, 1, y)
	out := map[string]backend.Tensor{}
	do := func(name string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	out["ce loss"], out["ce grad"] = poisoned(1, 1), poisoned(m, n)
	do("softmax cross-entropy", be.SoftmaxCrossEntropy(out["ce loss"], out["ce grad"], lx, ly))
	out["ce loss only"] = poisoned(1, 1)
	do("softmax cross-entropy, loss only", be.SoftmaxCrossEntropy(out["ce loss only"], nil, lx, ly))
	out["svm loss"], out["svm grad"] = poisoned(1, 1), poisoned(m, n)
	do("svm hinge", be.SVMHinge(out["svm loss"], out["svm grad"], lx, ly, 1))
	out["svm loss only"] = poisoned(1, 1)
	do("svm hinge, loss only", be.SVMHinge(out["svm loss only"], nil, lx, ly, 1))
	out["argmax"] = poisoned(m, 1)
	do("argmax", be.Argmax(out["argmax"], lx))
	out["count"] = poisoned(1, 1)
	do("count correct", be.CountCorrect(out["count"], lx, ly))
	if f, ok := be.(backend.SoftmaxCrossEntropyCounter); ok {
		out["fused loss"], out["fused grad"], out["fused count"] = poisoned(1, 1), poisoned(m, n), poisoned(1, 1)
		do("softmax cross-entropy count", f.SoftmaxCrossEntropyCount(out["fused loss"], out["fused grad"], out["fused count"], lx, ly))
	}
	res := map[string][]float32{}
	for name, z := range out {
		d, err := backend.ToHost(be, z)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res[name] = d
	}
	return res
}

// rowTol is how close the GL per-row ops come to the CPU reference, which
// works in float64. The row's u = Σ_{j≠a} exp(x_j − x_a) is a float32 sum
// of terms in [0, 1], each exp_f within about 1 ulp, added at most 16 in a
// run then by trees of depth 8 per level: below 40 roundings of 2⁻²⁴ of
// the sum, 2.4e-6 relative. Losses and softmax values inherit that (log1p
// and one division add an ulp or two), so 1e-5 relative with an absolute
// floor of 1e-6 of the largest gradient entry, 1/m, covers them with room.
// The hinge loss is a float32 sum of positive terms, the same bound.
// Argmax and the counts are exact.
func rowTol(name string, m int) (backendtest.Tol, bool) {
	switch name {
	case "argmax", "count", "fused count":
		return backendtest.Tol{}, true
	case "ce grad", "svm grad", "fused grad":
		return backendtest.Tol{ATol: 1e-6 / float64(m), RTol: 1e-5}, false
	}
	return backendtest.Tol{ATol: 1e-6, RTol: 1e-5}, false
}

// compareRowOps runs rowOps on GL and the CPU reference and compares them
// output by output.
func compareRowOps(t *testing.T, gl backend.Backend, m, n int, x, y []float32) {
	t.Helper()
	got, want := rowOps(t, gl, m, n, x, y), rowOps(t, cpu.New(), m, n, x, y)
	// The CPU backend has no fused call: its parts are the unfused ones.
	want["fused loss"], want["fused grad"], want["fused count"] = want["ce loss"], want["ce grad"], want["count"]
	for name, w := range want {
		g := got[name]
		tol, exact := rowTol(name, m)
		if exact {
			for i := range w {
				if g[i] != w[i] {
					t.Errorf("%d×%d %s[%d] = %v, want %v", m, n, name, i, g[i], w[i])
					break
				}
			}
			continue
		}
		w64 := make([]float64, len(w))
		for i, v := range w {
			w64[i] = float64(v)
		}
		s := backend.Shape{Rows: 1, Cols: len(w)}
		if len(w) == m*n {
			s = backend.Shape{Rows: m, Cols: n}
		}
		if msg := backendtest.Diff(s, g, w64, tol); msg != "" {
			t.Errorf("%d×%d %s: %s", m, n, name, msg)
		}
	}
}

// wideRows returns m rows of n N(0, 1) logits (seeded) and labels: row 0
// has its maximum in the last column and that label; row 1 a maximum tied
// between column 1 and the last column, labelled with the last (a miss for
// Argmax, which takes the first); the others uniform labels.
func wideRows(m, n int, seed uint64) (x, y []float32) {
	x = backend.NormalData(m*n, seed, 0, 1)
	y = make([]float32, m)
	r := backend.NewRand(seed)
	for i := range y {
		y[i] = float32(r.IntN(n))
	}
	x[n-1], y[0] = 9, float32(n-1)
	if m > 1 {
		x[n+1], x[2*n-1], y[1] = 8, 8, float32(n-1)
	}
	return x, y
}

// TestWideRows runs the per-row ops at 70,000 classes, far beyond what one
// invocation may loop over (llvmpipe truncated the loss's loops from
// 24,576 classes and Argmax's at 65,536), against the CPU reference: the
// maximum in the last column, a tie, then NaN rows and invalid labels.
func TestWideRows(t *testing.T) {
	b := backendtest.Open(t, "gl")
	const m, n = 5, 70000
	t.Run("finite", func(t *testing.T) {
		x, y := wideRows(m, n, 1)
		compareRowOps(t, b, m, n, x, y)
	})
	t.Run("NaN rows and invalid labels", func(t *testing.T) {
		x, y := wideRows(m, n, 2)
		x[2*n+n-1] = float32(math.NaN()) // NaN last: the loss is NaN, Argmax skips it
		x[3*n] = float32(math.NaN())     // NaN first
		y[4] = 1.5                       // not a class index
		compareRowOps(t, b, m, n, x, y)
	})
	t.Run("all NaN and all −Inf", func(t *testing.T) {
		x, y := wideRows(2, n, 3)
		for j := 0; j < n; j++ {
			x[j], x[n+j] = float32(math.NaN()), float32(math.Inf(-1))
		}
		y[0], y[1] = 0, 0
		compareRowOps(t, b, 2, n, x, y)
	})
}

// TestWideRowsThreshold runs the per-row ops on the shapes around the
// switch from the one-invocation-per-row kernels (up to 4096 columns) to
// the trees: one chunk of 4096 exactly, one past it, two chunks exactly
// and one past them, with many rows so that the tree's work items run
// past one per group, against the CPU reference.
func TestWideRowsThreshold(t *testing.T) {
	b := backendtest.Open(t, "gl")
	for i, tc := range []struct{ m, n int }{
		{3, 4096}, {3, 4097}, {2, 8192}, {2, 8193}, {300, 4100}, {1, 40000},
	} {
		t.Run(fmt.Sprintf("%d:%dx%d", i, tc.m, tc.n), func(t *testing.T) {
			x, y := wideRows(tc.m, tc.n, uint64(10+i))
			compareRowOps(t, b, tc.m, tc.n, x, y)
		})
	}
}

// TestColSumLongColumns sums columns of millions of rows (llvmpipe's one
// loop per invocation gave 131070 from 2,000,000 rows) and the thin shapes
// around the single-pass limit of 65,536 rows, against the CPU reference.
// Column 0 is all ones, whose sums are exact on any path (integers below
// 2²⁴); the rest are |N(0, 1)|, positive, so a sum cut short is far off.
// Tolerance: each float32 addition loses at most 2⁻²⁴ of the running sum,
// and no value passes through more than 256 sequential additions plus
// trees of depth 4 per level, three levels at most: 2·300·2⁻²⁴ relative.
func TestColSumLongColumns(t *testing.T) {
	b := backendtest.Open(t, "gl")
	ref := cpu.New()
	for i, s := range []backend.Shape{
		{Rows: 3_000_000, Cols: 2}, {Rows: 40000, Cols: 1}, {Rows: 1, Cols: 40000},
		{Rows: 65536, Cols: 3}, {Rows: 65537, Cols: 3}, {Rows: 4096*4096 + 1, Cols: 1},
	} {
		t.Run(fmt.Sprintf("%d:%v", i, s), func(t *testing.T) {
			if s.Len() > 10_000_000 && testing.Short() {
				t.Skip("three levels: 16.8M rows")
			}
			d := backend.NormalData(s.Len(), uint64(i+1), 0, 1)
			for k := range d {
				d[k] = float32(math.Abs(float64(d[k])))
				if k%s.Cols == 0 {
					d[k] = 1
				}
			}
			run := func(be backend.Backend) []float32 {
				x, _ := backend.FromData(be, s, d)
				c, _ := be.New(backend.Shape{Rows: 1, Cols: s.Cols})
				defer be.Release(x)
				defer be.Release(c)
				if err := be.ColSum(c, x); err != nil {
					t.Fatal(err)
				}
				out, err := backend.ToHost(be, c)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			got, want := run(b), run(ref)
			if s.Rows <= 1<<24 && got[0] != float32(s.Rows) {
				t.Errorf("column of ones: %v, want %d", got[0], s.Rows)
			}
			for j := range want {
				tol := 2 * 300 * math.Pow(2, -24) * float64(want[j])
				if diff := math.Abs(float64(got[j] - want[j])); !(diff <= tol) {
					t.Errorf("column %d: gl %v, cpu %v (|Δ| %.3g > %.3g)", j, got[j], want[j], diff, tol)
				}
			}
		})
	}
}

// TestWideRowsDispatches counts the passes of the wide-row paths, and that
// narrow rows keep their one per-row kernel. At 70,000 classes a tree
// takes two levels (18 chunks of 4096, then one): the losses run the
// argmax tree (softmax only), the sum tree and a finishing pass, then
// sum.comp; ColSum over 100,000 rows sums blocks of 4096 rows, then the
// 25 partial rows. Beyond 1024 rows the mean of the row losses takes two
// passes (sum.comp).
func TestWideRowsDispatches(t *testing.T) {
	b := backendtest.Open(t, "gl").(*gl.Backend)
	for i, tc := range []struct {
		m, n                                int
		ce, fused, svm, argmax, count, cols uint64
	}{
		{128, 10, 2, 2, 2, 1, 2, 1},
		{5, 70000, 6, 6, 4, 2, 3, 1},
		{100_000, 1, 3, 3, 3, 1, 3, 2}, // the mean of the rows takes two passes
	} {
		x, y := wideRows(tc.m, tc.n, uint64(i))
		for k := range y {
			y[k] = 0 // one class for the 100,000×1 case
		}
		lx, _ := backend.FromData(b, backend.Shape{Rows: tc.m, Cols: tc.n}, x)
		ly, _ := backend.FromData(b, backend.Shape{Rows: tc.m, Cols: 1}, y)
		g, _ := b.New(backend.Shape{Rows: tc.m, Cols: tc.n})
		s, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
		c, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
		am, _ := b.New(backend.Shape{Rows: tc.m, Cols: 1})
		cs, _ := b.New(backend.Shape{Rows: 1, Cols: tc.n})
		for _, op := range []struct {
			name string
			want uint64
			run  func() error
		}{
			{"softmax cross-entropy", tc.ce, func() error { return b.SoftmaxCrossEntropy(s, g, lx, ly) }},
			{"softmax cross-entropy count", tc.fused, func() error { return b.SoftmaxCrossEntropyCount(s, g, c, lx, ly) }},
			{"svm hinge", tc.svm, func() error { return b.SVMHinge(s, g, lx, ly, 1) }},
			{"argmax", tc.argmax, func() error { return b.Argmax(am, lx) }},
			{"count correct", tc.count, func() error { return b.CountCorrect(c, lx, ly) }},
			{"column sum", tc.cols, func() error { return b.ColSum(cs, lx) }},
		} {
			start := b.Counters().Dispatches
			if err := op.run(); err != nil {
				t.Fatalf("%d %d×%d %s: %v", i, tc.m, tc.n, op.name, err)
			}
			if got := b.Counters().Dispatches - start; got != op.want {
				t.Errorf("%d %d×%d %s: %d dispatches, want %d", i, tc.m, tc.n, op.name, got, op.want)
			}
		}
		for _, z := range []backend.Tensor{lx, ly, g, s, c, am, cs} {
			b.Release(z)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
