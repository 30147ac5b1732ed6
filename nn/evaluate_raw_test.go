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

// TestEvaluateTakesStandardisedSets is the README's word on nn.Evaluate: it
// does not apply the model's Standardizer, as Predict does; Evaluate on
// Standardizer.Apply(set) scores what Predict on the raw rows predicts.
func TestEvaluateTakesStandardisedSets(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	raw, err := data.Generate("moons", 3)
	require.NoError(t, err)
	for i := range raw.X { // far from 0 and 1: standardising matters
		raw.X[i] = 50 + 20*raw.X[i]
	}
	std, err := data.FitStandardizer(raw)
	require.NoError(t, err)
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 8}, nn.Act(backend.Activation{Kind: backend.Tanh}), &nn.Linear{Out: 2}), 2, 5)
	require.NoError(t, err)
	defer m.Release()
	m.Standardizer = &std

	pred, err := nn.Predict(m, raw.X)
	require.NoError(t, err)
	right := 0
	for i, p := range pred {
		if p == raw.Labels[i] {
			right++
		}
	}
	scaled, err := std.Apply(raw)
	require.NoError(t, err)
	accuracy := func(s data.Set) float64 {
		ds, err := nn.Upload(b, s)
		require.NoError(t, err)
		defer ds.Release()
		_, acc, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 0)
		require.NoError(t, err)
		return acc
	}
	// Exactly: the same classes counted over the same rows.
	assert.Equal(t, float64(right)/float64(len(pred)), accuracy(scaled))
	// On the raw rows tanh saturates: another score (Evaluate left them raw).
	assert.NotEqual(t, accuracy(scaled), accuracy(raw))
}
