package gl

import (
	"testing"

	"gltrain/backend"
)

// TestDispatchAllocatesNothing issues dispatches through the runtime
// interface on the GL thread, as a queued command does: setting uniforms
// and binding buffers must not allocate (the glrt.Args array, not a
// variadic slice, crosses the interface).
func TestDispatchAllocatesNothing(t *testing.T) {
	b := openForTest(t)
	x, err := b.New(backend.Shape{Rows: 3, Cols: 5})
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.New(backend.Shape{Rows: 3, Cols: 5})
	if err != nil {
		t.Fatal(err)
	}
	xt, yt := x.(*Tensor), y.(*Tensor)
	if err := b.ready("test", "scale.comp"); err != nil {
		t.Fatal(err)
	}
	var allocs float64
	err = b.call("allocs", func() error {
		p, err := b.program("scale.comp")
		if err != nil {
			return err
		}
		if err := b.scale(yt.out(), 2, xt.in(), 15); err != nil { // makes the buffers
			return err
		}
		allocs = testing.AllocsPerRun(100, func() {
			p.SetInt("n", 15)
			p.SetFloat("alpha", 3)
			if err := b.dev.Dispatch(p, groups(15), 1, 1, xt.in(), yt.out()); err != nil {
				t.Error(err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per dispatch, want 0", allocs)
	}
}
