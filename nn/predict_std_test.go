package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestPredictStandardizesEveryBatch: with a Standardizer, rows past the
// first 4096 (a last batch shorter than the others) are predicted as the
// same rows standardised beforehand are without one: the same float64
// arithmetic, so the classes agree exactly.
func TestPredictStandardizesEveryBatch(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	st := &data.Standardizer{Mean: []float64{100, -3}, Std: []float64{20, 0.5}}
	const n = 4096 + 3
	raw, scaled := make([]float32, 2*n), make([]float32, 2*n)
	for i := range n {
		raw[2*i], raw[2*i+1] = float32(100+20*float64(i%97-48)/16), float32(-3+0.5*float64(i%89-44)/15)
		for j := range 2 {
			scaled[2*i+j] = float32((float64(raw[2*i+j]) - st.Mean[j]) / st.Std[j])
		}
	}
	want, err := nn.Predict(m, scaled)
	require.NoError(t, err)
	m.Standardizer = st
	got, err := nn.Predict(m, raw)
	require.NoError(t, err, "a batch of 3 rows after one of 4096")
	assert.Equal(t, want, got)
	probs, err := nn.Probabilities(m, raw)
	require.NoError(t, err)
	assert.Len(t, probs, n)
}
