package nn_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestFitRefusesAnotherModelsOptimizer: an optimiser over another model's
// parameters, or over none of this one's, would train nothing: Fit refuses
// it before training. One over some of the model's parameters (fine-tuning)
// trains.
func TestFitRefusesAnotherModelsOptimizer(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, err := data.Spiral(20, 3, 1)
	require.NoError(t, err)
	net := func() nn.Module { return nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}) }
	m, err := nn.NewModel(b, net(), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	other, err := nn.NewModel(b, net(), 2, 1)
	require.NoError(t, err)
	defer other.Release()
	for _, tc := range []struct {
		name   string
		params []*autograd.Value
		want   string
	}{
		{"another model's", other.Parameters(), `"0.weight", which is not a parameter of the model`},
		{"one of another's", append(m.Parameters()[:3:3], other.Parameters()[3]), `"2.bias", which is not a parameter of the model`},
		{"none", nil, "updates none of the 4 parameters"},
		{"the last layer's", m.Parameters()[2:], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"sgd", "adam"} {
				opt, err := nn.NewOptimizer(name, b, tc.params, 0.01, 0)
				require.NoError(t, err)
				tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 20, Train: set}
				_, err = tr.Fit(context.Background())
				if tc.want == "" {
					assert.NoError(t, err)
				} else {
					assert.ErrorContains(t, err, tc.want, name)
				}
				require.NoError(t, opt.Release())
			}
		})
	}
}

// TestOptimizerRefusesRepeatedParameters: a parameter listed twice would be
// stepped twice a step; a nil parameter or backend would panic at Step.
func TestOptimizerRefusesRepeatedParameters(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 3}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	ps := m.Parameters()
	for _, name := range nn.OptimizerNames {
		_, err := nn.NewOptimizer(name, b, []*autograd.Value{ps[0], ps[1], ps[0]}, 0.01, 0)
		assert.ErrorContains(t, err, `parameter "0.weight" is listed twice (at 0 and 2)`, name)
		_, err = nn.NewOptimizer(name, b, []*autograd.Value{ps[0], nil}, 0.01, 0)
		assert.ErrorContains(t, err, "parameter 1 is nil", name)
		_, err = nn.NewOptimizer(name, nil, ps, 0.01, 0)
		assert.ErrorContains(t, err, "nil backend", name)
	}
}
