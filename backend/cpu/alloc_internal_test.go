package cpu

import (
	"testing"
	"unsafe"

	"gltrain/backend"
)

// TestAllocStaggers: with a BLAS library, buffers of a page or more start
// at distinct cache-line offsets within their pages, 64 in a row all
// different; they are zeroed, and their capacity is the size asked for, so
// the pool files them under their class.
func TestAllocStaggers(t *testing.T) {
	b := New()
	if !b.UsesBLAS() {
		t.Skip("no BLAS library: the pool does not stagger (TestAllocGonum)")
	}
	seen := map[uintptr]bool{}
	for i := range 64 {
		n := staggerMin << (i % 4)
		buf, err := b.alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(buf) != n || cap(buf) != n {
			t.Fatalf("buffer %d: len %d cap %d, want %d", i, len(buf), cap(buf), n)
		}
		at := uintptr(unsafe.Pointer(&buf[0])) % 4096
		if at%64 != 0 {
			t.Fatalf("buffer %d starts %d bytes into its page: not on a cache line", i, at)
		}
		if seen[at] {
			t.Fatalf("buffer %d starts %d bytes into its page, as an earlier one did", i, at)
		}
		seen[at] = true
		for j, v := range buf {
			if v != 0 {
				t.Fatalf("buffer %d: element %d is %v, want 0", i, j, v)
			}
		}
	}
	small, _ := b.alloc(staggerMin - 1)
	if len(small) != staggerMin-1 || cap(small) != staggerMin-1 {
		t.Fatalf("small buffer: len %d cap %d", len(small), cap(small))
	}
	// Through the pool: a released tensor's buffer comes back whole.
	x, err := b.New(backend.Shape{Rows: 3, Cols: staggerMin})
	if err != nil {
		t.Fatal(err)
	}
	p := &x.(*Tensor).data[0]
	b.Release(x)
	y, _ := b.New(backend.Shape{Rows: 3, Cols: staggerMin})
	if &y.(*Tensor).data[0] != p {
		t.Fatal("the pool did not recycle the staggered buffer")
	}
}

// TestAllocGonum: without a library the pool takes Go's buffers as they
// come: gonum's Sgemm ran slower on staggered ones.
func TestAllocGonum(t *testing.T) {
	b := NewWithOptions(Options{BLAS: "gonum"})
	buf, err := b.alloc(staggerMin * 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(buf) != staggerMin*4 || cap(buf) != staggerMin*4 {
		t.Fatalf("len %d cap %d, want %d", len(buf), cap(buf), staggerMin*4)
	}
	if b.staggered.Load() != 0 {
		t.Fatalf("the gonum backend staggered %d buffers", b.staggered.Load())
	}
}
