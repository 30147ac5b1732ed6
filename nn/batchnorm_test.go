package nn_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

// A BatchNorm CNN, conv-BN-ReLU-pool, then a dense layer with a
// BatchNorm1d: its running statistics are state, saved under PyTorch's
// buffer names, not parameters (an optimiser over Parameters never touches
// them).
func ExampleBatchNorm() {
	b := cpu.New()
	net := nn.Seq(
		&nn.Conv2D{Out: 4, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		nn.Flatten{}, &nn.Linear{Out: 8}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.Linear{Out: 3})
	m, err := nn.NewImageModel(b, net, nn.Image{C: 1, H: 6, W: 6}, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	fmt.Println(m)
	fmt.Println(len(m.Parameters()), "parameters")
	state, err := m.State()
	if err != nil {
		panic(err)
	}
	for _, t := range state[len(m.Parameters()):] {
		fmt.Println(t.Name, t.Shape)
	}
	// Output:
	// 36-conv 4@3×3-batchnorm2d relu-maxpool 2×2-flatten-8-batchnorm1d relu-3
	// 10 parameters
	// 1.running_mean [4]
	// 1.running_var [4]
	// 1.num_batches_tracked []
	// 6.running_mean [8]
	// 6.running_var [8]
	// 6.num_batches_tracked []
}

// TestBatchNormState: on every backend, training forwards move the running
// statistics and count the batches, evaluation forwards (Evaluate) leave
// them alone, a Trainer's steps leave them out of the optimiser, and Save
// then Load restores them to the bit.
func TestBatchNormState(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewImageModel(b, nn.Seq(&nn.Conv2D{Out: 2, KH: 2}, &nn.BatchNorm{}, nn.Flatten{}, &nn.Linear{Out: 3}), nn.Image{C: 1, H: 3, W: 3}, 2)
		require.NoError(t, err)
		defer m.Release()
		bn := m.Net.(*nn.Sequential).Layers[1].(*nn.BatchNorm)
		assert.Equal(t, []int{2, 2, 2}, []int{bn.C, bn.H, bn.W})
		host := func() []float32 {
			st, err := m.State()
			require.NoError(t, err)
			var out []float32
			for _, s := range st[len(m.Parameters()):] {
				out = append(out, s.Data...)
			}
			return out
		}
		start := host()
		assert.Equal(t, []float32{0, 0, 1, 1, 0}, start, "running mean 0, variance 1, no batch")
		x := make([]float32, 5*9)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)))
		}
		set := data.Set{X: x, Labels: []int{0, 1, 2, 0, 1}, Features: 9, Classes: 3}
		ds, err := nn.Upload(b, set)
		require.NoError(t, err)
		defer ds.Release()
		_, _, err = nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 0)
		require.NoError(t, err)
		assert.Equal(t, start, host(), "evaluation changed the running statistics")
		opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 1e-2, 0)
		require.NoError(t, err)
		defer opt.Release()
		_, err = (&nn.Trainer{Model: m, Optimizer: opt, Train: set, Epochs: 2, BatchSize: 2, Seed: 1}).Fit(context.Background())
		require.NoError(t, err)
		trained := host()
		assert.Equal(t, int64(6), bn.NumBatchesTracked, "two epochs of batches of 2, 2 and 1")
		assert.NotEqual(t, start[:4], trained[:4])
		path := filepath.Join(t.TempDir(), "m.safetensors")
		require.NoError(t, nn.Save(path, m, nil))
		l, err := nn.Load(path, b)
		require.NoError(t, err)
		defer l.Release()
		m = l
		assert.True(t, slices.Equal(trained, host()), "loaded %v, saved %v", host(), trained)
	})
}

// TestBatchNormErrors: a BatchNorm that does not fit its input says why.
func TestBatchNormErrors(t *testing.T) {
	b := cpu.New()
	_, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 7}, &nn.BatchNorm{C: 5}), 4, 1)
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "batchnorm declares 5 channels of 0×0, but the input before it is 7 channels of 0×0")
	}
	g := autograd.NewGraph(b)
	(&nn.BatchNorm{}).Forward(g, nil)
	assert.ErrorContains(t, g.Err(), "batchnorm: the layer was not built")
}

// TestBatchNormNotDecayed: DecayMatrices, -wd-norms=false's mask, leaves
// BatchNorm's weight and bias undecayed, as LayerNorm's, and decays the
// convolution's and the Linear's weights.
func TestBatchNormNotDecayed(t *testing.T) {
	m, err := nn.NewImageModel(cpu.New(), nn.Seq(&nn.Conv2D{Out: 2, KH: 2}, &nn.BatchNorm{}, nn.Flatten{}, &nn.Linear{Out: 3}), nn.Image{C: 1, H: 3, W: 3}, 2)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}, names)
	assert.Equal(t, []bool{true, false, false, false, true, false}, nn.DecayMatrices(m))
}
