package autograd_test

import (
	"errors"
	"math"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// unfusedBackend hides a backend's optional interfaces, so that
// SoftmaxCrossEntropyCount takes its fallback of two calls.
type unfusedBackend struct{ backend.Backend }

// lossCountRun is what one training step reports: the loss, the correct
// count and the logits' gradient.
type lossCountRun struct{ loss, correct, grad []float32 }

// runLossCount computes the loss of a linear layer's scores on b, and the
// correct count, with SoftmaxCrossEntropyCount when fused is set and with
// SoftmaxCrossEntropy and CountCorrect otherwise, then backpropagates.
func runLossCount(t *testing.T, b backend.Backend, fused bool, m, n int) lossCountRun {
	t.Helper()
	w := autograd.NewParameter(b, "W", upload(t, b, shp(5, n), uniform(5*n, 41, -1, 1)))
	defer autograd.ReleaseGrad(w)
	x := upload(t, b, shp(m, 5), uniform(m*5, 42, -2, 2))
	y := labels(m, n, 43)
	for i := 0; i < m; i += 3 { // a third of the rows right, so the count is not small
		y[i] = float32(i % n)
	}
	yt := upload(t, b, shp(m, 1), y)
	correct := upload(t, b, shp(1, 1), []float32{-1})
	g := autograd.NewGraph(b)
	defer g.Reset()
	scores := g.MatMul(g.Input(x), w)
	var loss *autograd.Value
	if fused {
		loss = g.SoftmaxCrossEntropyCount(scores, g.Input(yt), correct)
	} else {
		loss = g.SoftmaxCrossEntropy(scores, g.Input(yt))
		if err := b.CountCorrect(correct, scores.Tensor(), yt); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Backward(loss); err != nil {
		t.Fatalf("%s: backward: %v", b.Name(), err)
	}
	return lossCountRun{download(t, b, loss.Tensor()), download(t, b, correct), download(t, b, w.Grad())}
}

// TestSoftmaxCrossEntropyCount checks that the fused loss and count give the
// bits of the separate calls, through the backend's fused kernel and through
// the fallback, and that its gradient reaches the parameters the same way.
func TestSoftmaxCrossEntropyCount(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.SoftmaxCrossEntropyCounter); !ok {
			t.Logf("%s has no fused kernel: both paths are the fallback", b.Name())
		}
		for i, tc := range []struct {
			name string
			b    backend.Backend
			m, n int
		}{
			{"fused kernel", b, 37, 4},
			{"fused kernel, 1500 rows", b, 1500, 10},
			{"fallback", unfusedBackend{b}, 37, 4},
		} {
			want := runLossCount(t, tc.b, false, tc.m, tc.n)
			got := runLossCount(t, tc.b, true, tc.m, tc.n)
			if want.correct[0] < 1 {
				t.Fatalf("%d %s: the reference counts %v correct rows; the test wants some", i, tc.name, want.correct[0])
			}
			for _, c := range []struct {
				what      string
				got, want []float32
			}{{"loss", got.loss, want.loss}, {"correct", got.correct, want.correct}, {"∂W", got.grad, want.grad}} {
				for k := range c.want {
					if math.Float32bits(c.got[k]) != math.Float32bits(c.want[k]) {
						t.Errorf("%d %s: %s[%d] = %v, want %v (the separate calls' bits)", i, tc.name, c.what, k, c.got[k], c.want[k])
						break
					}
				}
			}
		}
	})
}

// TestSoftmaxCrossEntropyCountErrors checks that a missing or misshapen
// count tensor is the graph's error, not a panic or a silent skip.
func TestSoftmaxCrossEntropyCountErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		name    string
		correct backend.Tensor
		want    error
	}{
		{"nil", nil, backend.ErrInvalidArgument},
		{"2×1", upload(t, b, shp(2, 1), []float32{0, 0}), backend.ErrShape},
	} {
		g := autograd.NewGraph(b)
		s := g.Input(upload(t, b, shp(2, 3), uniform(6, 1, -1, 1)))
		y := g.Input(upload(t, b, shp(2, 1), []float32{0, 2}))
		g.SoftmaxCrossEntropyCount(s, y, tc.correct)
		if err := g.Err(); !errors.Is(err, tc.want) {
			t.Errorf("%d %s: error %v, want %v", i, tc.name, err, tc.want)
		}
		if err := g.Reset(); err != nil {
			t.Errorf("%d %s: reset: %v", i, tc.name, err)
		}
	}
}
