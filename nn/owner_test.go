package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestLinearDeclaredInMustFit: a Linear that declares its In gets an error
// when the width before it differs, instead of having In changed.
func TestLinearDeclaredInMustFit(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	_, err := nn.NewModel(b, nn.Seq(&nn.Linear{In: 7, Out: 3}), 2, 1)
	assert.EqualError(t, err, "nn: layer 0: Linear declares In 7, but the width before it is 2")
	_, err = nn.NewModel(b, nn.Seq(&nn.Linear{Out: 4}, &nn.Linear{In: 3, Out: 2}), 2, 1)
	assert.ErrorContains(t, err, "nn: layer 1: Linear declares In 3, but the width before it is 4")
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{In: 2, Out: 3}), 2, 1)
	require.NoError(t, err)
	require.NoError(t, m.Release())
}

// TestLayerInOneModelAtATime: a layer already in a live model is refused by
// NewModel (the models would share tensors, and releasing one would break
// the other), the first model keeps working, and once it is released its
// layers are refused as released.
func TestLayerInOneModelAtATime(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	net := nn.Seq(&nn.Linear{Out: 4}, nn.Act(nn.ReLU), &nn.Linear{Out: 3})
	m, err := nn.NewModel(b, net, 2, 1)
	require.NoError(t, err)
	_, err = nn.NewModel(b, net, 2, 2)
	assert.EqualError(t, err, `nn: new model: parameter "0.weight" belongs to the model 2-4 relu-3: a layer may be in one model at a time (build new layers)`)
	_, err = nn.NewModel(b, nn.Seq(net.Layers[2]), 4, 2)
	assert.ErrorContains(t, err, `parameter "2.weight" belongs to the model 2-4 relu-3`)
	_, err = nn.NewModel(b, &fixedParams{ps: m.Parameters()[1:2]}, 2, 2)
	assert.ErrorContains(t, err, `parameter "0.bias" belongs to the model`)
	_, err = nn.Predict(m, []float32{1, 2})
	assert.NoError(t, err, "the refusals released nothing of the first model")
	require.NoError(t, m.Release())
	_, err = nn.NewModel(b, net, 2, 2)
	assert.EqualError(t, err, `nn: new model: parameter "0.weight" has no tensor (was its model released?)`)
	// A layer made apart (NewLinear) goes into one model, then no other.
	l, err := nn.NewLinear(b, 2, 3, nn.InitFor(nn.Identity), 1, "")
	require.NoError(t, err)
	m1, err := nn.NewModel(b, nn.Seq(l), 2, 1)
	require.NoError(t, err)
	defer m1.Release()
	_, err = nn.NewModel(b, nn.Seq(l), 2, 1)
	assert.ErrorContains(t, err, "belongs to the model 2-3")
}
