package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestPosWeightBCE: on every backend, with every target 1 the loss is the
// mean of p_j·softplus(−x), so pos_weight 2 doubles BCEWithLogits (to
// float32 rounding: 1e-6 relative), and pos_weight 1 is BCEWithLogits
// itself; a target 0 column is unaffected by its weight.
func TestPosWeightBCE(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		up := func(r, c int, data []float32) backend.Tensor {
			z, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, data)
			require.NoError(t, err)
			t.Cleanup(func() { b.Release(z) })
			return z
		}
		scores := up(3, 2, []float32{0.5, -1, 2, 0.25, 3, -2})
		loss := func(targets []float32, pw []float32) float32 {
			g := autograd.NewGraph(b)
			defer g.Reset()
			s, y := g.Input(scores), g.Input(up(3, 2, targets))
			v := g.BCEWithLogits(s, y)
			if pw != nil {
				v = nn.PosWeightBCE{PosWeight: up(1, 2, pw)}.Apply(g, s, y)
			}
			require.NoError(t, g.Err())
			h, err := backend.ToHost(b, v.Tensor())
			require.NoError(t, err)
			return h[0]
		}
		ones, zeros := []float32{1, 1, 1, 1, 1, 1}, make([]float32, 6)
		assert.InEpsilon(t, 2*loss(ones, nil), loss(ones, []float32{2, 2}), 1e-6, "every target 1, pos_weight 2")
		assert.InEpsilon(t, loss(ones, nil), loss(ones, []float32{1, 1}), 1e-6, "pos_weight 1")
		assert.InEpsilon(t, loss(zeros, nil), loss(zeros, []float32{5, 0.1}), 1e-6, "every target 0")
	})
}
