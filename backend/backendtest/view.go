package backendtest

import (
	"errors"
	"slices"
	"testing"

	"gltrain/backend"
)

// runView checks backend.Viewer, when b implements it: a view reads and
// writes its tensor's elements in row-major order under its own shape, in
// kernels too; it allocates no buffer and queues nothing (where b reports
// memory and activity); either handle may be released first, the other
// keeping the data and the buffer out of the pool until it is released
// too; views of views; and the errors.
func runView(t *testing.T, b backend.Backend) {
	vw, ok := b.(backend.Viewer)
	if !ok {
		t.Skipf("%s does not implement Viewer", b.Name())
	}
	t.Run("shares", func(t *testing.T) { runViewShares(t, b, vw) })
	t.Run("lifetime", func(t *testing.T) { runViewLifetime(t, b, vw) })
	t.Run("errors", func(t *testing.T) { runViewErrors(t, b, vw) })
}

func iota32(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i) - 3.5
	}
	return s
}

func runViewShares(t *testing.T, b backend.Backend, vw backend.Viewer) {
	ss := &session{b: b}
	defer ss.release()
	data := iota32(12)
	x, sum := ss.up(shp(3, 4), data), ss.poisoned(shp(6, 2))
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	ops := func() uint64 {
		if ac, ok := b.(backend.ActivityCounter); ok {
			o, d := ac.Activity()
			return o + d
		}
		return 0
	}
	var mem backend.MemStats
	if mr, ok := b.(backend.MemoryReporter); ok {
		mem = mr.MemStats()
	}
	before := ops()
	v, err := vw.View(x, shp(6, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(v)
	if after := ops(); after != before {
		t.Errorf("View queued or dispatched %d commands, want none", after-before)
	}
	if mr, ok := b.(backend.MemoryReporter); ok {
		if now := mr.MemStats(); now.LiveBuffers != mem.LiveBuffers || now.Allocations != mem.Allocations {
			t.Errorf("View: memory %+v, was %+v: want no new buffer", now, mem)
		}
	}
	if v.Shape() != shp(6, 2) {
		t.Errorf("view shape %v, want 6×2", v.Shape())
	}
	ss.do(b.Add(sum, v, v))
	got := ss.down(v, sum)
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	if !slices.Equal(got[0], data) {
		t.Errorf("view reads %v, want %v", got[0], data)
	}
	for i, s := range got[1] {
		if s != 2*data[i] {
			t.Fatalf("Add(view, view)[%d] = %g, want %g", i, s, 2*data[i])
		}
	}
	// Writes through either handle are seen through the other.
	ss.do(b.Fill(v, 7))
	fromX := ss.down(x)[0]
	back := iota32(12)
	slices.Reverse(back)
	ss.do(b.Upload(x, back))
	fromV := ss.down(v)[0]
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, s := range fromX {
		if s != 7 {
			t.Fatalf("after Fill(view, 7): x[%d] = %g", i, s)
		}
	}
	if !slices.Equal(fromV, back) {
		t.Errorf("after Upload(x): view reads %v, want %v", fromV, back)
	}
}

// runViewLifetime releases a tensor and its views in each order: the
// handle left still reads the data, a new tensor made meanwhile (filled)
// does not get the buffer, and the buffer returns to the pool (LiveBuffers,
// where b reports memory) only with the last handle.
func runViewLifetime(t *testing.T, b backend.Backend, vw backend.Viewer) {
	mr, hasMem := b.(backend.MemoryReporter)
	live := func() int {
		if hasMem {
			return mr.MemStats().LiveBuffers
		}
		return 0
	}
	data := iota32(20)
	for i, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {0, 2, 1}} {
		start := live()
		x, err := backend.FromData(b, shp(4, 5), data)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := vw.View(x, shp(2, 10))
		if err != nil {
			t.Fatal(err)
		}
		v2, err := vw.View(v1, shp(20, 1)) // a view of a view
		if err != nil {
			t.Fatal(err)
		}
		handles := []backend.Tensor{x, v1, v2}
		for k, h := range order {
			if live() != start+1 {
				t.Errorf("%d: %d handles released: %d live buffers, want %d", i, k, live(), start+1)
			}
			if err := b.Release(handles[h]); err != nil {
				t.Fatalf("%d: release %d: %v", i, h, err)
			}
			if err := b.Fill(handles[h], 1); !errors.Is(err, backend.ErrReleased) {
				t.Errorf("%d: released handle %d: Fill error %v, want ErrReleased", i, h, err)
			}
			if k == 2 {
				break
			}
			// A new tensor of the size class must not get the buffer.
			y, err := b.New(shp(4, 5))
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Fill(y, -1); err != nil {
				t.Fatal(err)
			}
			for _, o := range order[k+1:] {
				got, err := backend.ToHost(b, handles[o])
				if err != nil {
					t.Fatalf("%d: handle %d after releasing %v: %v", i, o, order[:k+1], err)
				}
				if !slices.Equal(got, data) {
					t.Errorf("%d: handle %d after releasing %v reads %v, want %v", i, o, order[:k+1], got, data)
				}
			}
			b.Release(y)
		}
		if live() != start {
			t.Errorf("%d: every handle released: %d live buffers, want %d", i, live(), start)
		}
	}
}

func runViewErrors(t *testing.T, b backend.Backend, vw backend.Viewer) {
	ss := &session{b: b}
	defer ss.release()
	x, gone := ss.up(shp(3, 4), make([]float32, 12)), ss.up(shp(3, 4), make([]float32, 12))
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	b.Release(gone)
	view := func(x backend.Tensor, s backend.Shape) func() error {
		return func() error {
			v, err := vw.View(x, s)
			if err == nil {
				b.Release(v)
			}
			return err
		}
	}
	cases := []errorCase{
		{"5×2 of 12", view(x, shp(5, 2)), backend.ErrShape, []string{"view", "3×4", "5×2"}},
		{"0×12", view(x, shp(0, 12)), backend.ErrShape, []string{"view", "0×12"}},
		{"released", view(gone, shp(4, 3)), backend.ErrReleased, []string{"view"}},
		{"foreign", view(foreignTensor{}, shp(1, 1)), backend.ErrForeign, []string{"view"}},
		{"nil", view(nil, shp(1, 1)), backend.ErrForeign, []string{"view"}},
	}
	if p, ok := b.(backend.Packer); ok {
		flat, views, err := p.Pack([]backend.Shape{shp(2, 3)})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release(flat)
		cases = append(cases, errorCase{"packed view", view(views[0], shp(3, 2)), backend.ErrUnsupported, []string{"view", "packed"}})
	}
	checkErrors(t, cases)
}
