package gl

import (
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestScatterAddRowsGuardAndSteady: ScatterAddRows writes nothing past
// dst's end (a 7×13 dst in a larger pooled buffer filled with a sentinel),
// gets its scratch buffers from the pool (no GL buffer allocated after the
// first call), issues the dispatches its doc counts, ½·log₂P·(log₂P+1)
// sort passes (P = 64 for n = 37: 21), one gather, ⌈log₂37⌉ = 6 tree
// passes and one finish, and gives the documented order's bits.
func TestScatterAddRowsGuardAndSteady(t *testing.T) {
	b := openForTest(t)
	const sentinel = float32(-12345.5)
	const n, rows, dim = 37, 7, 13
	src := backend.NormalData(n*dim, 1, 0, 1)
	index := make([]float32, n)
	for i := range index {
		index[i] = float32((i * 5) % 6) // row 6 unused
	}
	s, err := backend.FromData(b, backend.Shape{Rows: n, Cols: dim}, src)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := backend.FromData(b, backend.Shape{Rows: n, Cols: 1}, index)
	if err != nil {
		t.Fatal(err)
	}
	z, err := b.New(backend.Shape{Rows: rows, Cols: dim})
	if err != nil {
		t.Fatal(err)
	}
	d := z.(*Tensor)
	guard := make([]float32, d.capacity)
	for i := range guard {
		guard[i] = sentinel
	}
	for i := range rows * dim {
		guard[i] = 0
	}
	if err := b.call("guard", func() error { return b.dev.Upload(d.buf, 0, guard) }); err != nil {
		t.Fatal(err)
	}
	if err := b.ScatterAddRows(d, s, ix); err != nil {
		t.Fatal(err)
	}
	full := make([]float32, d.capacity)
	if err := b.call("read", func() error { return b.dev.Download(full, d.buf, 0) }); err != nil {
		t.Fatal(err)
	}
	for i := rows * dim; i < d.capacity; i++ {
		if full[i] != sentinel {
			t.Fatalf("element %d beyond dst's end (capacity %d) was overwritten with %v", i, d.capacity, full[i])
		}
	}
	want := make([]float32, rows*dim)
	backendtest.ScatterAddRowsOrder(want, src, index, dim)
	for i := range want {
		if full[i] != want[i] {
			t.Fatalf("dst[%d] = %v, want %v", i, full[i], want[i])
		}
	}
	warm, before := b.MemStats(), b.Counters()
	const calls = 5
	for range calls {
		if err := b.ScatterAddRows(d, s, ix); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if after := b.MemStats(); after.Allocations != warm.Allocations || after.LiveBuffers != warm.LiveBuffers {
		t.Errorf("after %d more calls: %+v; after the first: %+v", calls, after, warm)
	}
	if got, want := b.Counters().Dispatches-before.Dispatches, uint64(calls*(21+1+6+1)); got != want {
		t.Errorf("%d dispatches in %d calls, want %d", got, calls, want)
	}
	b.Release(z)
	b.Release(s)
	b.Release(ix)
}
