package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestPredictStandardizedLastBatch: a model with a Standardizer predicts
// more rows than one batch (4096), the last batch short, as it predicts
// them row by row. The last batch used to reach the device with the whole
// batch buffer's length, and fail ("host slice has 8192").
func TestPredictStandardizedLastBatch(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, err := data.Spiral(1700, 3, 2) // 5100 rows: a batch of 4096 and one of 1004
	require.NoError(t, err)
	st, err := data.FitStandardizer(set)
	require.NoError(t, err)
	m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	m.Standardizer = &st
	all, err := nn.Predict(m, set.X)
	require.NoError(t, err)
	require.Len(t, all, set.Len())
	class, _, err := nn.Confidence(m, set.X)
	require.NoError(t, err)
	for _, i := range []int{0, 4095, 4096, set.Len() - 1} {
		one, err := nn.Predict(m, set.X[2*i:2*i+2])
		require.NoError(t, err)
		assert.Equal(t, one[0], all[i], "row %d", i)
		assert.Equal(t, one[0], class[i], "row %d", i)
	}
}
