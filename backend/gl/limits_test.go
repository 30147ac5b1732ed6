package gl_test

import (
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestBeyondTheDispatchLimit runs the two 2-D launches on shapes that need
// more than GL's 65535 work groups in a dimension: a column sum of more than
// 65535·16 columns, a product of more than 65535·64 rows. The kernels step
// over the blocks beyond the capped dispatch.
func TestBeyondTheDispatchLimit(t *testing.T) {
	b := backendtest.Open(t, "gl")
	t.Run("column sum of 1,100,000 columns", func(t *testing.T) {
		const n = 1_100_000
		x, _ := backend.FromData(b, backend.Shape{Rows: 2, Cols: n}, backend.NormalData(2*n, 1, 0, 1))
		s, _ := b.New(backend.Shape{Rows: 1, Cols: n})
		defer b.Release(x)
		defer b.Release(s)
		if err := b.ColSum(s, x); err != nil {
			t.Fatal(err)
		}
		got, err := backend.ToHost(b, s)
		if err != nil {
			t.Fatal(err)
		}
		xs := backend.NormalData(2*n, 1, 0, 1)
		for j := 0; j < n; j++ {
			if want := xs[j] + xs[n+j]; got[j] != want { // one float32 addition: exact agreement
				t.Fatalf("column %d: %v, want %v", j, got[j], want)
			}
		}
	})
	t.Run("product of 4,200,000 rows", func(t *testing.T) {
		const m = 4_200_000
		a, _ := backend.FromData(b, backend.Shape{Rows: m, Cols: 1}, backend.NormalData(m, 2, 0, 1))
		w, _ := backend.FromData(b, backend.Shape{Rows: 1, Cols: 1}, []float32{3})
		c, _ := b.New(backend.Shape{Rows: m, Cols: 1})
		defer func() { b.Release(a); b.Release(w); b.Release(c) }()
		if err := b.MatMul(false, false, 1, a, w, 0, c); err != nil {
			t.Fatal(err)
		}
		got, err := backend.ToHost(b, c)
		if err != nil {
			t.Fatal(err)
		}
		as := backend.NormalData(m, 2, 0, 1)
		for i := range got {
			if want := as[i] * 3; got[i] != want { // one product: exact
				t.Fatalf("row %d: %v, want %v", i, got[i], want)
			}
		}
	})
}
