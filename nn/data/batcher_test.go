package data

import (
	"slices"
	"testing"
)

func TestBatcher(t *testing.T) {
	for i, tc := range []struct {
		name     string
		n, size  int
		dropLast bool
		sizes    []int // of the batches of one epoch
	}{
		{"exact", 12, 4, false, []int{4, 4, 4}},
		{"partial last kept", 10, 4, false, []int{4, 4, 2}},
		{"partial last dropped", 10, 4, true, []int{4, 4}},
		{"one", 1, 1, false, []int{1}},
		{"full batch (size 0)", 7, 0, false, []int{7}},
		{"size above n", 5, 8, true, []int{5}},
		{"empty", 0, 3, false, []int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBatcher(tc.n, tc.size, 3)
			b.DropLast = tc.dropLast
			if b.Batches() != len(tc.sizes) {
				t.Errorf("%d: Batches() = %d, want %d", i, b.Batches(), len(tc.sizes))
			}
			for e := range 3 {
				batches := b.Epoch(e)
				var seen []int
				for k, batch := range batches {
					if k >= len(tc.sizes) || len(batch) != tc.sizes[k] {
						t.Fatalf("%d: epoch %d batch %d has %d indices, want sizes %v", i, e, k, len(batch), tc.sizes)
					}
					seen = append(seen, batch...)
				}
				if len(batches) != len(tc.sizes) {
					t.Fatalf("%d: epoch %d: %d batches, want %d", i, e, len(batches), len(tc.sizes))
				}
				// Every index at most once; all of them unless the last batch was dropped.
				slices.Sort(seen)
				if len(slices.Compact(slices.Clone(seen))) != len(seen) {
					t.Errorf("%d: epoch %d repeats an index: %v", i, e, seen)
				}
				if !tc.dropLast && len(seen) != tc.n {
					t.Errorf("%d: epoch %d covers %d of %d indices", i, e, len(seen), tc.n)
				}
				for _, v := range seen {
					if v < 0 || v >= tc.n {
						t.Errorf("%d: index %d outside [0,%d)", i, v, tc.n)
					}
				}
			}
		})
	}
}

// TestBatcherSeeded checks that epoch e's order depends on (seed, e) only.
func TestBatcherSeeded(t *testing.T) {
	flat := func(b *Batcher, e int) []int { return slices.Concat(b.Epoch(e)...) }
	a, b, c := NewBatcher(50, 8, 1), NewBatcher(50, 8, 1), NewBatcher(50, 8, 2)
	b.Epoch(0) // drawing epoch 0 first must not change epoch 5
	if !slices.Equal(flat(a, 5), flat(b, 5)) {
		t.Errorf("same seed and epoch, different order")
	}
	if slices.Equal(flat(a, 0), flat(a, 1)) {
		t.Errorf("epochs 0 and 1 have the same order")
	}
	if slices.Equal(flat(a, 0), flat(c, 0)) {
		t.Errorf("seeds 1 and 2 give the same order")
	}
	if ident := flat(a, 0); slices.IsSorted(ident) {
		t.Errorf("shuffled epoch is in order: %v", ident)
	}
}

func TestBatcherNoShuffle(t *testing.T) {
	b := NewBatcher(5, 2, 1)
	b.Shuffle = false
	want := [][]int{{0, 1}, {2, 3}, {4}}
	for e := range 2 {
		got := b.Epoch(e)
		if len(got) != len(want) {
			t.Fatalf("epoch %d: %v, want %v", e, got, want)
		}
		for k := range want {
			if !slices.Equal(got[k], want[k]) {
				t.Errorf("epoch %d: %v, want %v", e, got, want)
			}
		}
	}
}

// TestBatcherCapped checks that appending to a batch cannot overwrite the
// next one.
func TestBatcherCapped(t *testing.T) {
	batches := NewBatcher(6, 3, 1).Epoch(0)
	next := slices.Clone(batches[1])
	_ = append(batches[0], -1)
	if !slices.Equal(batches[1], next) {
		t.Errorf("append to batch 0 changed batch 1: %v, was %v", batches[1], next)
	}
}
