package data

import (
	"fmt"

	"gltrain/backend"
)

// Batcher cuts the indices 0…n-1 into mini-batches, in a fresh random order
// each epoch. The order of epoch e is a function of (seed, e) alone, so an
// interrupted run resumed at epoch e sees the batches it would have seen.
//
// Shuffle and DropLast may be changed between calls to Epoch.
type Batcher struct {
	n, size int
	seed    uint64

	// Shuffle permutes the indices each epoch (true by default); false gives
	// 0…n-1 in order every epoch.
	Shuffle bool
	// DropLast drops the last batch when it is shorter than the batch size
	// (false by default: the partial batch is kept).
	DropLast bool
}

// NewBatcher returns a Batcher over n samples in batches of batchSize, with
// Shuffle on and DropLast off. A batchSize ≤ 0 or above n means one batch of
// all n samples (full-batch training). It panics if n < 0.
func NewBatcher(n, batchSize int, seed uint64) *Batcher {
	if n < 0 {
		panic(fmt.Sprintf("data: batcher over %d samples", n))
	}
	if batchSize <= 0 || batchSize > n {
		batchSize = n
	}
	return &Batcher{n: n, size: batchSize, seed: seed, Shuffle: true}
}

// Size returns the batch size (n when NewBatcher was given ≤ 0 or more than n).
func (b *Batcher) Size() int { return b.size }

// Batches returns the number of batches per epoch:
//
//	⌈n / size⌉ when DropLast is false, ⌊n / size⌋ when it is true
func (b *Batcher) Batches() int {
	if b.size == 0 {
		return 0
	}
	if b.DropLast {
		return b.n / b.size
	}
	return (b.n + b.size - 1) / b.size
}

// Epoch returns the batches of epoch e, in the order to train on them: slices
// of one permutation of 0…n-1 (the identity when Shuffle is false) drawn from
// backend.NewRand of a hash of (seed, e). Every batch has Size() indices but
// the last, which may be shorter (unless DropLast drops it). The batches share
// one backing array, capped so that appending to one cannot overwrite another.
func (b *Batcher) Epoch(e int) [][]int {
	var perm []int
	if b.Shuffle {
		perm = backend.NewRand(epochSeed(b.seed, e)).Perm(b.n)
	} else {
		perm = make([]int, b.n)
		for i := range perm {
			perm[i] = i
		}
	}
	out := make([][]int, 0, b.Batches())
	for lo := 0; lo < b.n && len(out) < cap(out); lo += b.size {
		hi := min(lo+b.size, b.n)
		out = append(out, perm[lo:hi:hi])
	}
	return out
}

// epochSeed mixes seed and epoch with SplitMix64's finaliser, so that
// neighbouring epochs (and seeds) get unrelated generator states.
func epochSeed(seed uint64, e int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*(uint64(e)+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
