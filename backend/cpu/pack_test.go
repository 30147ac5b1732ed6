package cpu_test

import (
	"errors"
	"testing"

	"gltrain/backend"
	"gltrain/backend/cpu"
)

// TestPackMemory: a pack is one pooled buffer, whatever its number of views;
// releasing a view gives nothing back, releasing the flat tensor gives the
// buffer back and makes its views fail with ErrReleased rather than read
// memory the pool has handed on. (The conformance suite's "pack" tests run
// every kernel on views.)
func TestPackMemory(t *testing.T) {
	b := cpu.New()
	before := b.MemStats()
	flat, views, err := b.Pack([]backend.Shape{{Rows: 4, Cols: 3}, {Rows: 1, Cols: 3}, {Rows: 3, Cols: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.MemStats().LiveBuffers - before.LiveBuffers; got != 1 {
		t.Errorf("a pack of 3 views holds %d buffers, want 1", got)
	}
	for i, v := range views {
		if err := b.Release(v); err != nil {
			t.Errorf("release view %d: %v", i, err)
		}
	}
	if got := b.MemStats().LiveBuffers - before.LiveBuffers; got != 1 {
		t.Errorf("after releasing the views %d buffers are live, want the flat one", got)
	}
	if err := b.Release(flat); err != nil {
		t.Fatal(err)
	}
	if got := b.MemStats(); got.LiveBuffers != before.LiveBuffers {
		t.Errorf("live buffers %d after releasing the pack, %d before", got.LiveBuffers, before.LiveBuffers)
	}
	if err := b.Fill(views[1], 1); !errors.Is(err, backend.ErrReleased) {
		t.Errorf("fill of a view of a released pack: %v, want ErrReleased", err)
	}
}

// TestPackViewsLinear computes a linear layer, y = x·W + b, with x, W, b and
// y all views of one pack (y written in place by AddBias), against values
// computed by hand.
func TestPackViewsLinear(t *testing.T) {
	b := cpu.New()
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} // 4×3
	w := []float32{1, -1, 0.5, 2, -2, 0}                  // 3×2
	bias := []float32{0.25, -0.5}                         // 1×2
	want := []float32{-3.75, 2.5, -5.25, 5.5, -6.75, 8.5, -8.25, 11.5}
	shapes := []backend.Shape{{Rows: 4, Cols: 3}, {Rows: 3, Cols: 2}, {Rows: 1, Cols: 2}, {Rows: 4, Cols: 2}}
	flat, v, err := b.Pack(shapes)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(flat)
	for i, data := range [][]float32{x, w, bias} {
		if err := b.Upload(v[i], data); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.MatMul(backend.NoTrans, backend.NoTrans, 1, v[0], v[1], 0, v[3]); err != nil {
		t.Fatal(err)
	}
	if err := b.AddBias(v[3], v[3], v[2]); err != nil {
		t.Fatal(err)
	}
	got, err := backend.ToHost(b, v[3])
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("y = %v, want %v", got, want)
		}
	}
}
