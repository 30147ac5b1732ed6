package nn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// fixedParams is a layer of the caller's own with the parameters it is given.
type fixedParams struct{ ps []*autograd.Value }

func (f *fixedParams) Parameters() []*autograd.Value { return f.ps }
func (f *fixedParams) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return x
}

// TestLibraryErrorsInsteadOfPanics: calls with bad arguments return errors
// (or, for String, a name) instead of panicking.
func TestLibraryErrorsInsteadOfPanics(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set := data.Set{Name: "s", X: []float32{1, 2, 3, 4}, Labels: []int{0, 1}, Features: 2, Classes: 2}
	released, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}), 2, 1)
	require.NoError(t, err)
	require.NoError(t, released.Release())
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	for _, tc := range []struct {
		name string
		f    func() error
		want string
	}{
		{"nil parameter", func() error {
			_, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}, &fixedParams{ps: []*autograd.Value{nil}}), 2, 1)
			return err
		}, "nn: layer 1 (*nn_test.fixedParams): parameter 0 is nil"},
		{"parameter without a tensor", func() error {
			_, err := nn.NewModel(b, &fixedParams{ps: []*autograd.Value{autograd.NewParameter(b, "w", nil)}}, 2, 1)
			return err
		}, `nn: new model: parameter "w" has no tensor`},
		{"save after release", func() error {
			return nn.Save(filepath.Join(t.TempDir(), "m.safetensors"), released, nil)
		}, "nn: save: the model was released"},
		{"state after release", func() error { _, err := released.State(); return err }, "nn: state: the model was released"},
		{"predict after release", func() error { _, err := nn.Predict(released, set.X); return err }, "nn: predict: the model was released"},
		{"evaluate nil set", func() error { _, _, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, nil, 0); return err }, "nn: evaluate: no data"},
		{"evaluate empty set", func() error { _, _, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, &nn.DeviceSet{}, 0); return err }, "nn: evaluate: no data"},
		{"check fits nil model", func() error { return nn.CheckFits(nil, set) }, "not made by NewModel"},
		{"upload nil backend", func() error { _, err := nn.Upload(nil, set); return err }, `nn: upload s: nil backend`},
		{"linear nil backend", func() error { _, err := nn.NewLinear(nil, 2, 3, nn.InitFor(nn.ReLU), 1, ""); return err }, "nil backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorContains(t, tc.f(), tc.want)
		})
	}
	assert.Equal(t, "loss(-1)", nn.Loss(-1).String())
	assert.Equal(t, "loss(7)", nn.Loss(7).String())
	var nilModel *nn.Model
	assert.Equal(t, "<nil model>", nilModel.String())
	assert.Nil(t, nilModel.Parameters())
	assert.Nil(t, nilModel.Backend())
	assert.Nil(t, (&nn.Model{}).Parameters())
	assert.Equal(t, nn.Spec{}, nn.SpecOf(nil))
	ds, err := nn.Upload(b, set)
	require.NoError(t, err)
	assert.NoError(t, ds.Release())
	assert.NoError(t, ds.Release(), "a second Release frees nothing")
	assert.NoError(t, (*nn.DeviceSet)(nil).Release())
	_, _, err = nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 0)
	assert.ErrorContains(t, err, "released")
}

// TestForwardOfNothingIsAnError: a Sequential holding a nil layer, a nil
// Sequential and a Model without a network record an error on the graph
// instead of panicking; Graph.Fail is how a module reports one.
func TestForwardOfNothingIsAnError(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	x, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: 2}, []float32{1, 2})
	require.NoError(t, err)
	defer b.Release(x)
	for _, tc := range []struct {
		name string
		f    func(g *autograd.Graph, x *autograd.Value) *autograd.Value
		want string
	}{
		{"nil layer", nn.Seq(nn.Act(nn.ReLU), nil).Forward, "nn: sequential: layer 1 is nil"},
		{"nil Linear before an activation", nn.Seq((*nn.Linear)(nil), nn.Act(nn.ReLU)).Forward, "nn: sequential: layer 0 is nil"},
		{"nil Sequential", (*nn.Sequential)(nil).Forward, "nn: nil Sequential"},
		{"model literal", (&nn.Model{}).Forward, "nn: forward: the model has no network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := autograd.NewGraph(b)
			defer g.Reset()
			tc.f(g, g.Input(x))
			assert.ErrorContains(t, g.Err(), tc.want)
		})
	}
}
