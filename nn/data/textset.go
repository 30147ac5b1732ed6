package data

import "fmt"

// TextSet is text b as a labelled set of its positions, for the
// row-gathering training loop: row i holds token b[i] as its one feature
// and the next token b[i+1] as its label, i < len(b)−1, over TextVocab
// classes. A sequence of ctx tokens starting at a is rows a … a+ctx−1,
// which is what TextBatcher.Rows lists; len(b) must be at least 2.
func TextSet(name string, b []byte) Set {
	n := max(0, len(b)-1)
	s := Set{Name: name, X: make([]float32, n), Labels: make([]int, n), Features: 1, Classes: TextVocab}
	for i := 0; i < n; i++ {
		s.X[i], s.Labels[i] = float32(b[i]), int(b[i+1])
	}
	return s
}

// TextWindowSet is the evaluation set of b: the TextWindows(b, ctx)
// non-overlapping windows of ctx tokens from b's start, as the rows of
// TextSet(name, b) they are (window w is rows w·ctx … (w+1)·ctx−1; the
// last partial window is dropped). A set of no rows when b holds no
// window.
func TextWindowSet(name string, b []byte, ctx int) Set {
	w := TextWindows(b, ctx)
	if w == 0 {
		return Set{Name: name, Features: 1, Classes: TextVocab}
	}
	return TextSet(name, b[:w*ctx+1])
}

// Batches returns StepsPerEpoch: with Epoch, a TextBatcher is an
// nn.BatchOrder.
func (b *TextBatcher) Batches() int { return b.StepsPerEpoch() }

// Rows returns step s's batch as rows of TextSet(name, data): the batch·ctx
// positions of the sequences Fill(x, y, s) writes, in the same order.
func (b *TextBatcher) Rows(step int) []int {
	rows := make([]int, 0, b.batch*b.ctx)
	for _, at := range b.Starts(step) {
		for t := 0; t < b.ctx; t++ {
			rows = append(rows, at+t)
		}
	}
	return rows
}

// Epoch returns the batches of epoch e (from 0): the Rows of steps
// e·StepsPerEpoch … (e+1)·StepsPerEpoch−1, so that step numbers, and with
// them the batches, run on across epochs as Fill's do.
func (b *TextBatcher) Epoch(e int) [][]int {
	n := b.StepsPerEpoch()
	out := make([][]int, n)
	for i := range out {
		out[i] = b.Rows(e*n + i)
	}
	return out
}

// String describes the batches, for messages.
func (b *TextBatcher) String() string {
	return fmt.Sprintf("%d sequences of %d tokens a step, %d steps an epoch", b.batch, b.ctx, b.StepsPerEpoch())
}
