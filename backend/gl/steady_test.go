package gl_test

import (
	"errors"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/gl"
)

// trainingStep runs the kernels of one SGD step of a 2-layer net by hand —
// a new batch order uploaded and gathered, forward, loss, backward, update —
// creating and releasing its temporaries as a graph would.
func trainingStep(t *testing.T, b backend.Backend, data, labels, idx backend.Tensor, order []float32, params []backend.Tensor) {
	t.Helper()
	// The batch: rows of data in a new order, uploaded while the previous
	// step's kernels may still read the index (the staging path on a GPU).
	for i := range order {
		order[i] = float32((i*7 + int(order[0]) + 1) % len(order))
	}
	x, err := b.New(data.Shape())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(x)
	if err := errors.Join(b.Upload(idx, order), b.GatherRows(x, data, idx)); err != nil {
		t.Fatal(err)
	}
	w1, b1, w2, b2 := params[0], params[1], params[2], params[3]
	batch, hidden, classes := x.Shape().Rows, w1.Shape().Cols, w2.Shape().Cols
	newT := func(r, c int) backend.Tensor {
		z, err := b.New(backend.Shape{Rows: r, Cols: c})
		if err != nil {
			t.Fatal(err)
		}
		return z
	}
	h, a, logits := newT(batch, hidden), newT(batch, hidden), newT(batch, classes)
	loss, dlogits, da, dh := newT(1, 1), newT(batch, classes), newT(batch, hidden), newT(batch, hidden)
	dw1, db1, dw2, db2 := newT(w1.Shape().Rows, hidden), newT(1, hidden), newT(hidden, classes), newT(1, classes)
	relu := backend.Activation{Kind: backend.ReLU}
	sgd := backend.SGD{LR: 0.1}
	for i, err := range []error{
		b.MatMul(false, false, 1, x, w1, 0, h),
		b.AddBias(h, h, b1),
		b.ActivationForward(relu, a, h),
		b.MatMul(false, false, 1, a, w2, 0, logits),
		b.AddBias(logits, logits, b2),
		b.SoftmaxCrossEntropy(loss, dlogits, logits, labels),
		b.MatMul(true, false, 1, a, dlogits, 0, dw2),
		b.ColSum(db2, dlogits),
		b.MatMul(false, true, 1, dlogits, w2, 0, da),
		b.ActivationBackward(relu, dh, h, a, da),
		b.MatMul(true, false, 1, x, dh, 0, dw1),
		b.ColSum(db1, dh),
		b.SGDStep(sgd, w1, dw1, nil),
		b.SGDStep(sgd, b1, db1, nil),
		b.SGDStep(sgd, w2, dw2, nil),
		b.SGDStep(sgd, b2, db2, nil),
	} {
		if err != nil {
			t.Fatalf("kernel %d: %v", i, err)
		}
	}
	for _, z := range []backend.Tensor{h, a, logits, loss, dlogits, da, dh, dw1, db1, dw2, db2} {
		b.Release(z)
	}
}

// TestSteadyStateAllocatesNothing runs 50 training steps after one warm-up
// step: the pool must serve every temporary, so no GL buffer is allocated,
// and the live buffer count returns to where it was.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	b := backendtest.Open(t, "gl")
	mr := b.(backend.MemoryReporter)
	upload := func(r, c int, data []float32) backend.Tensor {
		z, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, data)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(z) })
		return z
	}
	const batch, in, hidden, classes = 33, 2, 17, 3
	x := upload(batch, in, backend.NormalData(batch*in, 1, 0, 1))
	idx := upload(batch, 1, make([]float32, batch))
	order := make([]float32, batch)
	lab := make([]float32, batch)
	for i := range lab {
		lab[i] = float32(i % classes)
	}
	labels := upload(batch, 1, lab)
	params := []backend.Tensor{
		upload(in, hidden, backend.NormalData(in*hidden, 2, 0, 0.5)), upload(1, hidden, make([]float32, hidden)),
		upload(hidden, classes, backend.NormalData(hidden*classes, 3, 0, 0.5)), upload(1, classes, make([]float32, classes)),
	}
	trainingStep(t, b, x, labels, idx, order, params)
	warm := mr.MemStats()
	before := b.(*gl.Backend).Counters()
	for range 50 {
		trainingStep(t, b, x, labels, idx, order, params)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	after := mr.MemStats()
	if after.Allocations != warm.Allocations || after.LiveBuffers != warm.LiveBuffers {
		t.Errorf("after 50 steady steps: %+v; after the warm-up step: %+v", after, warm)
	}
	c := b.(*gl.Backend).Counters()
	// Staging buffers (uploads into busy tensors) are recycled once the
	// device has caught up: the Sync above, the downloads of a real loop.
	b.Sync()
	for range 50 {
		trainingStep(t, b, x, labels, idx, order, params)
	}
	b.Sync()
	if again := b.(*gl.Backend).Counters(); again.Staging != c.Staging {
		t.Errorf("%d staging buffers allocated in 50 more steps after warm-up", again.Staging-c.Staging)
	}
	perStep := func(v uint64) float64 { return float64(v) / 50 }
	t.Logf("per step: %.0f dispatches, %.0f barriers; %d GL buffers allocated in all, %d live, %d idle",
		perStep(c.Dispatches-before.Dispatches), perStep(c.Barriers-before.Barriers), after.Allocations, after.LiveBuffers, after.IdleBuffers)
	if c.Barriers-before.Barriers >= c.Dispatches-before.Dispatches {
		t.Errorf("%d barriers for %d dispatches: independent kernels (the four SGD steps) should share one", c.Barriers-before.Barriers, c.Dispatches-before.Dispatches)
	}
}
