package backendtest

import (
	"math"
	"testing"

	"gltrain/backend"
)

// runShapePacked runs Transpose, CopyCols, ReduceMax (both axes) and
// LogSoftmaxForward, when b has them, on views of one packed tensor, and
// checks the outputs against the same calls on plain tensors and the
// padding between the views against zero: a guard band that catches a
// kernel writing past its view, or ignoring a view's offset.
func runShapePacked(t *testing.T, b backend.Backend) {
	p, ok := b.(backend.Packer)
	s, ok2 := b.(backend.Shaper)
	r, ok3 := b.(backend.AxisReducer)
	ls, ok4 := b.(backend.LogSoftmaxer)
	if !ok || !ok2 || !ok3 || !ok4 {
		t.Skipf("%s lacks Packer, Shaper, AxisReducer or LogSoftmaxer", b.Name())
	}
	// Rows of 4100: two levels of a GL tree (chunks of 4096) along rows, one
	// invocation a column along columns; no view a multiple of 64 long.
	const m, n = 5, 4100
	shapes := []backend.Shape{shp(m, n), shp(n, m), shp(m, n+1), shp(m, 1), shp(m, 1), shp(1, n), shp(1, n), shp(m, n)}
	x := specialData(5, m*n)
	for i := range x {
		if x[i] != x[i] || math.IsInf(float64(x[i]), 0) {
			x[i] = 0.5 // finite: log-softmax of a NaN row is NaN either way
		}
	}
	run := func(ts []backend.Tensor) error {
		if err := b.Upload(ts[0], x); err != nil {
			return err
		}
		for _, err := range []error{
			s.Transpose(ts[1], ts[0]),
			b.Fill(ts[2], 0),
			s.CopyCols(ts[2], 1, ts[0], 0, n),
			r.ReduceMax(backend.AlongRows, ts[3], ts[4], ts[0]),
			r.ReduceMax(backend.AlongCols, ts[5], ts[6], ts[0]),
			ls.LogSoftmaxForward(ts[7], ts[0]),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	}
	flat, views, err := p.Pack(shapes)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(flat)
	if err := run(views); err != nil {
		t.Fatal(err)
	}
	plain := make([]backend.Tensor, len(shapes))
	for i, sh := range shapes {
		if plain[i], err = b.New(sh); err != nil {
			t.Fatal(err)
		}
		defer b.Release(plain[i])
	}
	if err := run(plain); err != nil {
		t.Fatal(err)
	}
	all, err := backend.ToHost(b, flat)
	if err != nil {
		t.Fatal(err)
	}
	offsets, total := backend.PackOffsets(shapes)
	end := 0
	for i, sh := range shapes {
		if j := firstNonZero(all, end, offsets[i]); j >= 0 {
			t.Fatalf("padding before view %d: element %d is %g", i, j, all[j])
		}
		want, err := backend.ToHost(b, plain[i])
		if err != nil {
			t.Fatal(err)
		}
		got := all[offsets[i] : offsets[i]+sh.Len()]
		if d := linearSameBits([][]float32{got}, [][]float32{want}); d != "" {
			t.Fatalf("view %d %v: packed and plain differ: %s", i, sh, d)
		}
		end = offsets[i] + sh.Len()
	}
	if j := firstNonZero(all, end, total); j >= 0 {
		t.Fatalf("padding after the last view: element %d is %g", j, all[j])
	}
}
