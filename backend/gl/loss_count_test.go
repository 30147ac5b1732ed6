package gl_test

import (
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/gl"
)

// TestSoftmaxCrossEntropyCountDispatches counts the kernels of the loss and
// correct-count of one batch: SoftmaxCrossEntropy + CountCorrect issue a
// per-row kernel and a sum each, the fused call one per-row kernel and one
// sum of both; beyond 1024 rows every sum takes a second pass.
func TestSoftmaxCrossEntropyCountDispatches(t *testing.T) {
	b := backendtest.Open(t, "gl").(*gl.Backend)
	for i, tc := range []struct {
		rows          int
		unfused, want uint64
	}{
		{1, 4, 2},
		{1024, 4, 2},
		{1025, 6, 3},
		{3000, 6, 3},
	} {
		const classes = 10
		x, _ := backend.FromData(b, backend.Shape{Rows: tc.rows, Cols: classes}, backend.NormalData(tc.rows*classes, uint64(i), 0, 1))
		y, _ := backend.FromData(b, backend.Shape{Rows: tc.rows, Cols: 1}, make([]float32, tc.rows))
		loss, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
		correct, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
		grad, _ := b.New(backend.Shape{Rows: tc.rows, Cols: classes})
		start := b.Counters().Dispatches
		if err := b.SoftmaxCrossEntropy(loss, grad, x, y); err != nil {
			t.Fatal(err)
		}
		if err := b.CountCorrect(correct, x, y); err != nil {
			t.Fatal(err)
		}
		mid := b.Counters().Dispatches
		if err := b.SoftmaxCrossEntropyCount(loss, grad, correct, x, y); err != nil {
			t.Fatal(err)
		}
		end := b.Counters().Dispatches
		if got := mid - start; got != tc.unfused {
			t.Errorf("%d: %d rows: loss + count took %d dispatches, want %d", i, tc.rows, got, tc.unfused)
		}
		if got := end - mid; got != tc.want {
			t.Errorf("%d: %d rows: fused loss and count took %d dispatches, want %d", i, tc.rows, got, tc.want)
		}
		for _, z := range []backend.Tensor{x, y, loss, correct, grad} {
			b.Release(z)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
