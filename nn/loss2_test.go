package nn_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

var regressionLosses = []nn.Loss{nn.L1, nn.Huber, nn.BCEWithLogits}

// TestRegressionLossNames: the new losses keep the names "l1", "huber" and
// "bce" (the checkpoint's), after the unchanged classifier losses.
func TestRegressionLossNames(t *testing.T) {
	for i, want := range []string{"softmax", "svm", "mse", "l1", "huber", "bce"} {
		l := nn.Loss(i)
		assert.Equal(t, want, l.String(), "loss %d", i)
		p, err := nn.ParseLoss(want)
		require.NoError(t, err)
		assert.Equal(t, l, p)
		assert.Equal(t, i >= 3, l.Regression(), "%v.Regression()", l)
	}
}

// TestRegressionLossSaveLoad: Save records a regression loss by name and
// Load gives it back.
func TestRegressionLossSaveLoad(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, _ := trained(t, b)
		for _, loss := range regressionLosses {
			m.Loss = loss
			path := filepath.Join(t.TempDir(), "m.safetensors")
			require.NoError(t, nn.Save(path, m, nil))
			l, err := nn.Load(path, b)
			require.NoError(t, err)
			assert.Equal(t, loss, l.Loss)
			l.Release()
		}
	})
}

// TestRegressionLossApply: Apply records the autograd loss of the scores
// against targets of their shape (the same value as calling it directly),
// and the Trainer, whose data sets hold class labels, refuses a regression
// loss with an error that says why.
func TestRegressionLossApply(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	scores, targets := []float32{0.5, -1, 2, 0.25, 3, -2}, []float32{1, 0, 1, 0, 0.5, 1}
	direct := map[nn.Loss]func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value{
		nn.L1:            (*autograd.Graph).L1Loss,
		nn.Huber:         func(g *autograd.Graph, s, y *autograd.Value) *autograd.Value { return g.HuberLoss(s, y, nn.HuberDelta) },
		nn.BCEWithLogits: (*autograd.Graph).BCEWithLogits,
	}
	for _, loss := range regressionLosses {
		var got [2]float32
		for k := range got {
			g := autograd.NewGraph(b)
			s, err := backend.FromData(b, backend.Shape{Rows: 3, Cols: 2}, scores)
			require.NoError(t, err)
			y, err := backend.FromData(b, backend.Shape{Rows: 3, Cols: 2}, targets)
			require.NoError(t, err)
			sv, yv := g.Input(s), g.Input(y)
			var v *autograd.Value
			if k == 0 {
				v, err = loss.Apply(g, sv, yv, nil)
				require.NoError(t, err)
			} else {
				v = direct[loss](g, sv, yv)
			}
			require.NoError(t, g.Err())
			h, err := backend.ToHost(b, v.Tensor())
			require.NoError(t, err)
			got[k] = h[0]
			require.NoError(t, g.Reset())
			b.Release(s)
			b.Release(y)
		}
		assert.Equal(t, got[1], got[0], "%v: Apply and the autograd call", loss)
		assert.Greater(t, got[0], float32(0), "%v", loss)
	}
	m, set := trained(t, b)
	opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	require.NoError(t, err)
	defer opt.Release()
	for _, loss := range regressionLosses {
		_, err := (&nn.Trainer{Model: m, Loss: loss, Optimizer: opt, Epochs: 1, BatchSize: 16, Train: set}).Fit(context.Background())
		if assert.Error(t, err, "%v", loss) {
			assert.True(t, errors.Is(err, backend.ErrInvalidArgument), "%v: %v", loss, err)
			assert.True(t, strings.Contains(err.Error(), "real-valued targets"), "%v: %v", loss, err)
		}
	}
}
