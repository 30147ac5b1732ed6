package autograd_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			require.NoError(t, g.Backward(l))
			once, err := backend.ToHost(b, w.Grad())
			require.NoError(t, err)
			require.NoError(t, g.Backward(l))
			twice, err := backend.ToHost(b, w.Grad())
			require.NoError(t, err)
			// The second pass adds inside the product (beta = 1), which
			// rounds in a different order than the first: a few ulp, so
			// 1e-6 relative.
			for i := range once {
				assert.InDelta(t, 2*float64(once[i]), float64(twice[i]), 1e-6*math.Abs(2*float64(once[i])), "element %d", i)
			}
			require.NoError(t, g.Reset())
		})
	}
}
