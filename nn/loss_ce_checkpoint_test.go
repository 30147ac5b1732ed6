package nn_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
	"gltrain/nn/safetensors"
)

// TestCrossEntropyOptionsSaved: Save records a model's CrossEntropy as
// "cross_entropy", and Load, Resume and ReadInfo return it to the bit
// (float32 weights such as 1/3 survive JSON); a model without options
// writes no key, and a file without one (every checkpoint before the
// options) loads as the zero value; options that do not fit the loss or
// the outputs do not save, and a crafted file with them does not load.
func TestCrossEntropyOptionsSaved(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.MLP(2, nil, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	o := nn.CrossEntropyOptions{LabelSmoothing: 0.1, ClassWeights: []float32{1.0 / 3, 2, float32(math.Pi)}}
	m.CrossEntropy = o
	require.NoError(t, nn.Save(path, m, nil))
	l, err := nn.Load(path, b)
	require.NoError(t, err)
	defer l.Release()
	assert.Equal(t, o, l.CrossEntropy)
	info, err := nn.ReadInfo(path)
	require.NoError(t, err)
	assert.Equal(t, o, info.CrossEntropy)

	m.CrossEntropy = nn.CrossEntropyOptions{}
	plain := filepath.Join(dir, "plain.safetensors")
	require.NoError(t, nn.Save(plain, m, nil))
	f, err := safetensors.ReadFile(plain)
	require.NoError(t, err)
	assert.NotContains(t, f.Metadata, "cross_entropy")
	l2, err := nn.Load(plain, b)
	require.NoError(t, err)
	defer l2.Release()
	assert.True(t, l2.CrossEntropy.IsZero())

	m.Loss, m.CrossEntropy = nn.SVMHinge, o
	assert.ErrorContains(t, nn.Save(filepath.Join(dir, "svm.safetensors"), m, nil), `__metadata__ "cross_entropy": nn: checkpoint: label smoothing and class weights are options of the softmax cross-entropy loss, not of svm`)
	m.Loss, m.CrossEntropy = nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{1, 2}}
	assert.ErrorContains(t, nn.Save(filepath.Join(dir, "two.safetensors"), m, nil), "2 class weights for a model of 3 outputs")
	for _, bad := range []struct{ json, want string }{
		{`{"label_smoothing":1}`, "label smoothing 1"},
		{`{"class_weights":[1,0,1]}`, "class weight 1 is 0"},
		{`{"class_weights":[1,1]}`, "2 class weights"},
		{`{"smoothing":0.1}`, `unknown field "smoothing"`},
	} {
		f.Metadata["cross_entropy"] = bad.json
		crafted := filepath.Join(dir, "crafted.safetensors")
		require.NoError(t, safetensors.WriteFile(crafted, f.Tensors, f.Metadata))
		_, err = nn.Load(crafted, b)
		assert.ErrorContains(t, err, `__metadata__ "cross_entropy": `, bad.json)
		assert.ErrorContains(t, err, bad.want, bad.json)
	}
}

// TestResumeCrossEntropyIsBitIdentical: on each backend, 3 epochs with
// label smoothing and class weights in one run, and 1 epoch saved and
// resumed (the Trainer taking the loaded model's CrossEntropy) for 2
// more, give the same weights to the bit.
func TestResumeCrossEntropyIsBitIdentical(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, err := data.Spiral(11, 3, 1)
		require.NoError(t, err)
		w, err := data.BalancedClassWeights(data.Set{Labels: set.Labels[5:25], Classes: 3}) // counts 6, 11, 3
		require.NoError(t, err)
		o := nn.CrossEntropyOptions{LabelSmoothing: 0.2, ClassWeights: w}
		fit := func(m *nn.Model, opt nn.Optimizer, start nn.TrainState, epochs int, save string) {
			tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: epochs, BatchSize: 8, Seed: 3, Train: set,
				StartEpoch: start.Epochs, StartStep: start.Steps, CrossEntropy: m.CrossEntropy}
			if save != "" {
				tr.OnEpoch = func(s nn.EpochStats) error {
					return nn.Save(save, m, &nn.TrainState{Optimizer: opt, Epochs: s.Epoch, Steps: s.GlobalStep})
				}
			}
			_, err := tr.Fit(context.Background())
			require.NoError(t, err)
		}
		build := func() (*nn.Model, nn.Optimizer) {
			m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
			require.NoError(t, err)
			m.CrossEntropy = o
			opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
			require.NoError(t, err)
			return m, opt
		}
		m, opt := build()
		defer m.Release()
		defer opt.Release()
		fit(m, opt, nn.TrainState{}, 3, "")
		want, err := m.State()
		require.NoError(t, err)

		path := filepath.Join(t.TempDir(), "run.safetensors")
		m2, opt2 := build()
		fit(m2, opt2, nn.TrainState{}, 1, path)
		require.NoError(t, opt2.Release())
		require.NoError(t, m2.Release())
		m3, st, err := nn.Resume(path, b)
		require.NoError(t, err)
		defer m3.Release()
		defer st.Optimizer.Release()
		require.Equal(t, o, m3.CrossEntropy)
		fit(m3, st.Optimizer, *st, 3, "")
		got, err := m3.State()
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
}
