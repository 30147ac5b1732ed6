package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// plainBackend hides a backend's optional interfaces (AxisReducer among
// them) but the softmax, for Confidence's host path.
type plainBackend struct{ backend.Backend }

func (p plainBackend) SoftmaxForward(dst, x backend.Tensor) error {
	return p.Backend.(backend.Softmaxer).SoftmaxForward(dst, x)
}

func (p plainBackend) SoftmaxBackward(dx, y, dy backend.Tensor) error {
	return p.Backend.(backend.Softmaxer).SoftmaxBackward(dx, y, dy)
}

// TestConfidence: each row's class and probability are exactly
// Probabilities' row maximum and its first index (the same softmax, reduced
// on the device or on the host, must give the same bits), with the device
// reduction and without it.
func TestConfidence(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, _ := data.Spiral(20, 3, 2)
		probs := func(b backend.Backend) [][]float32 {
			m, err := nn.MLP(2, []int{16}, 3, nn.ReLU).Build(b, 3)
			require.NoError(t, err)
			defer m.Release()
			p, err := nn.Probabilities(m, set.X)
			require.NoError(t, err)
			return p
		}(b)
		for _, tc := range []struct {
			name string
			b    backend.Backend
		}{{"device", b}, {"host", plainBackend{b}}} {
			t.Run(tc.name, func(t *testing.T) {
				if _, ok := tc.b.(backend.AxisReducer); ok != (tc.name == "device") {
					t.Fatalf("%s: AxisReducer %v", tc.name, ok)
				}
				m, err := nn.MLP(2, []int{16}, 3, nn.ReLU).Build(tc.b, 3) // the same weights
				require.NoError(t, err)
				defer m.Release()
				class, prob, err := nn.Confidence(m, set.X)
				require.NoError(t, err)
				require.Len(t, class, set.Len())
				require.Len(t, prob, set.Len())
				for i, row := range probs {
					assert.Equal(t, argmax(row), class[i], "row %d class", i)
					assert.Equal(t, row[argmax(row)], prob[i], "row %d probability", i)
				}
			})
		}
	})
}
