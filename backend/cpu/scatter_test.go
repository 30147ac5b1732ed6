package cpu_test

import (
	"math"
	"runtime"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// TestScatterAddRowsThreads: ScatterAddRows shares the indices among the
// cores above parallelMin elements; the bits must not depend on how many,
// and must be the documented order's (backendtest.ScatterAddRowsOrder).
// 3000×30 = 90,000 elements over 37 indices (runs of about 81, 7 passes).
func TestScatterAddRowsThreads(t *testing.T) {
	const n, dim, rows = 3000, 30, 37
	src := backend.NormalData(n*dim, 5, 0, 1)
	index := make([]float32, n)
	r := backend.NewRand(6)
	for i := range index {
		index[i] = float32(r.IntN(rows))
	}
	want := make([]float32, rows*dim)
	backendtest.ScatterAddRowsOrder(want, src, index, dim)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		b := cpu.New()
		d, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: dim}, make([]float32, rows*dim))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := backend.FromData(b, backend.Shape{Rows: n, Cols: dim}, src)
		ix, _ := backend.FromData(b, backend.Shape{Rows: n, Cols: 1}, index)
		if err := b.ScatterAddRows(d, s, ix); err != nil {
			t.Fatal(err)
		}
		got := toHostAll(t, b, d)[0]
		for e := range want {
			if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
				t.Fatalf("GOMAXPROCS %d: dst[%d] = %v, want %v", procs, e, got[e], want[e])
			}
		}
		b.Close()
	}
}
