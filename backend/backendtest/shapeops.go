package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
)

// runShaper checks backend.Shaper, when b implements it: transposes,
// reshapes and column copies of data holding NaN, ±Inf and −0 must move
// every bit, and leave the columns a copy does not cover untouched; bad
// shapes and columns out of range are errors; and the operations on packed
// views (runShapePacked).
func runShaper(t *testing.T, b backend.Backend) {
	s, ok := b.(backend.Shaper)
	if !ok {
		t.Skipf("%s does not implement Shaper", b.Name())
	}
	for _, sh := range []backend.Shape{shp(1, 1), shp(17, 33), shp(300, 5), shp(2, 700)} {
		t.Run(fmt.Sprintf("%v", sh), func(t *testing.T) { runShaperCase(t, b, s, sh) })
	}
	t.Run("errors", func(t *testing.T) { runShaperErrors(t, b, s) })
	t.Run("packed views", func(t *testing.T) { runShapePacked(t, b) })
}

// specialData is randomData with NaN, ±Inf and −0 at every seventh place.
func specialData(seed uint64, n int) []float32 {
	v := randomData(seed, n)
	specials := []float32{nan32, inf32, -inf32, negZero32}
	for i := 0; i < n; i += 7 {
		v[i] = specials[(i/7)%len(specials)]
	}
	return v
}

func runShaperCase(t *testing.T, b backend.Backend, s backend.Shaper, sh backend.Shape) {
	m, n := sh.Rows, sh.Cols
	x := specialData(uint64(sh.Len()), sh.Len())
	ss := &session{b: b}
	defer ss.release()
	xt := ss.up(sh, x)
	tr, re := ss.poisoned(shp(n, m)), ss.poisoned(shp(1, m*n))
	// cc: x's columns [c0, n) into columns [1, 1 + n − c0) of a poisoned
	// tensor one column wider than x.
	c0 := n / 3
	cc := ss.poisoned(shp(m, n+1))
	if ss.err == nil {
		ss.do(s.Transpose(tr, xt))
		ss.do(s.Reshape(re, xt))
		ss.do(s.CopyCols(cc, 1, xt, c0, n-c0))
	}
	out := ss.down(tr, re, cc)
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	bits := func(v float32) uint32 { return math.Float32bits(v) }
	poison := bits(initialOutput(poisoned(shp(1, 1)), nil)[0])
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if bits(out[0][j*m+i]) != bits(x[i*n+j]) {
				t.Fatalf("transpose [%d,%d]: got %g, want %g", j, i, out[0][j*m+i], x[i*n+j])
			}
			if bits(out[1][i*n+j]) != bits(x[i*n+j]) {
				t.Fatalf("reshape element %d: got %g, want %g", i*n+j, out[1][i*n+j], x[i*n+j])
			}
		}
		for j := 0; j <= n; j++ {
			got, want := bits(out[2][i*(n+1)+j]), poison
			if j >= 1 && j < 1+n-c0 {
				want = bits(x[i*n+c0+j-1])
			}
			if got != want {
				t.Fatalf("copy columns [%d,%d]: got %#x, want %#x", i, j, got, want)
			}
		}
	}
}

func runShaperErrors(t *testing.T, b backend.Backend, s backend.Shaper) {
	newT := func(rows, cols int) backend.Tensor {
		t.Helper()
		x, err := backend.FromData(b, shp(rows, cols), make([]float32, rows*cols))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	x, x2, y, z := newT(3, 4), newT(3, 4), newT(4, 3), newT(2, 5)
	checkErrors(t, []errorCase{
		{"transpose into 3×4", func() error { return s.Transpose(x2, x) }, backend.ErrShape, []string{"transpose", "3×4"}},
		{"transpose in place", func() error { return s.Transpose(x, x) }, backend.ErrShape, []string{"transpose"}},
		{"reshape 12 to 10", func() error { return s.Reshape(z, x) }, backend.ErrShape, []string{"reshape", "3×4", "2×5"}},
		{"reshape in place", func() error { return s.Reshape(x, x) }, backend.ErrAlias, []string{"reshape", "dst", "x"}},
		{"copy columns, rows differ", func() error { return s.CopyCols(y, 0, x, 0, 2) }, backend.ErrShape, []string{"copy columns", "4×3", "3×4"}},
		{"copy columns past the end", func() error { return s.CopyCols(x2, 3, x, 0, 2) }, backend.ErrShape, []string{"copy columns", "out of range"}},
		{"copy no columns", func() error { return s.CopyCols(x2, 0, x, 0, 0) }, backend.ErrShape, []string{"copy columns"}},
		{"copy from a negative column", func() error { return s.CopyCols(x2, 0, x, -1, 2) }, backend.ErrShape, []string{"copy columns"}},
		{"copy onto itself", func() error { return s.CopyCols(x, 0, x, 2, 2) }, backend.ErrAlias, []string{"copy columns"}},
		{"foreign", func() error { return s.Transpose(y, foreignTensor{}) }, backend.ErrForeign, []string{"transpose"}},
	})
}
