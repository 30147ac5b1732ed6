package autograd_test

import (
	"math"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/cpu"
)

// TestLossBackwardTwice: the first Backward hands the loss's cached
// gradient to the logits instead of copying it; a second Backward of the
// same graph must still find ∂loss/∂logits (computed again) and add the
// same gradient to the weights once more, for each loss.
func TestLossBackwardTwice(t *testing.T) {
	b := cpu.New()
	for _, tc := range []struct {
		name string
		loss func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value
	}{
		{"softmax", func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value { return g.SoftmaxCrossEntropy(s, y) }},
		{"svm", func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value { return g.SVMHinge(s, y, 1) }},
		{"mse", func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value { return g.MeanSquaredError(s, y) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, _ := backend.FromData(b, backend.Shape{Rows: 4, Cols: 3}, backend.NormalData(12, 1, 0, 1))
			wt, _ := backend.FromData(b, backend.Shape{Rows: 3, Cols: 2}, backend.NormalData(6, 2, 0, 1))
			target := []float32{0, 1, 1, 0}
			if tc.name == "mse" {
				target = backend.NormalData(8, 3, 0, 1)
			}
			y, _ := backend.FromData(b, backend.Shape{Rows: 4, Cols: len(target) / 4}, target)
			w := autograd.NewParameter(b, "w", wt)
			g := autograd.NewGraph(b)
			l := tc.loss(g, g.MatMul(g.Input(x), w), g.Input(y))
			if err := g.Backward(l); err != nil {
				t.Fatal(err)
			}
			once, _ := backend.ToHost(b, w.Grad())
			if err := g.Backward(l); err != nil {
				t.Fatal(err)
			}
			twice, _ := backend.ToHost(b, w.Grad())
			// The second pass adds inside the product (beta = 1), which
			// rounds in a different order than the first: a few ulp.
			for i := range once {
				if d := float64(twice[i] - 2*once[i]); math.Abs(d) > 1e-6*math.Abs(float64(2*once[i])) {
					t.Fatalf("element %d: %v after two passes, want 2×%v", i, twice[i], once[i])
				}
			}
			if err := g.Reset(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
