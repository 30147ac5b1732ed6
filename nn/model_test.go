package nn_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// issueNet is the model of the models issue: 2→64 tanh→32 relu→dropout→3.
func issueNet() *nn.Sequential {
	return nn.Seq(
		&nn.Linear{Out: 64}, nn.Act(nn.Tanh),
		&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
		&nn.Dropout{P: 0.2},
		&nn.Linear{Out: 3},
	)
}

// TestNewModelNamesAndShapesAsPyTorch: a Sequential's parameters are named
// by position, activations and dropout counted, and saved in PyTorch's
// layout (weight out×in, bias out).
func TestNewModelNamesAndShapesAsPyTorch(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, issueNet(), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	assert.Equal(t, 3, m.Outputs)
	assert.Equal(t, "2-64 tanh-32 relu-dropout 0.2-3", m.String())
	state, err := m.State()
	require.NoError(t, err)
	var got []string
	for _, s := range state {
		got = append(got, s.Name)
	}
	assert.Equal(t, []string{"0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"}, got)
	assert.Equal(t, [][]int{{64, 2}, {64}, {32, 64}, {32}, {3, 32}, {3}},
		[][]int{state[0].Shape, state[1].Shape, state[2].Shape, state[3].Shape, state[4].Shape, state[5].Shape})
}

// TestLinearInitFollowsActivation: a declared Linear's weights are drawn
// with the initialiser of the activation after it (He before ReLU, Xavier
// before tanh and for the output), unless Init is set: the sample
// deviations match He's √(2/in) and Xavier's √(2/(in+out)) within 10%
// (4096+ samples each: the standard error of a deviation is ~1.1%).
func TestLinearInitFollowsActivation(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	xavier := nn.Xavier
	net := nn.Seq(&nn.Linear{Out: 128}, nn.Act(nn.ReLU), &nn.Linear{Out: 64}, nn.Act(nn.Tanh),
		&nn.Linear{Out: 64, Init: &xavier}, nn.Act(nn.ReLU), &nn.Linear{Out: 64})
	m, err := nn.NewModel(b, net, 256, 7)
	require.NoError(t, err)
	defer m.Release()
	state, err := m.State()
	require.NoError(t, err)
	for i, want := range []float64{
		math.Sqrt(2.0 / 256),        // He before ReLU
		math.Sqrt(2.0 / (128 + 64)), // Xavier before tanh
		math.Sqrt(2.0 / (64 + 64)),  // Xavier set explicitly
		math.Sqrt(2.0 / (64 + 64)),  // Xavier for the output
	} {
		assert.InEpsilon(t, want, stddev(state[2*i].Data), 0.1, "layer %d", 2*i)
	}
}

func stddev(x []float32) float64 {
	var s, s2 float64
	for _, v := range x {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(x))
	return math.Sqrt(s2/n - (s/n)*(s/n))
}

// TestDropoutMasks: in training mode Dropout zeroes about p of its inputs
// and scales the rest by 1/(1−p), a new mask each call; in evaluation mode
// it is the identity; the masks are the same on every backend.
func TestDropoutMasks(t *testing.T) {
	const rows, cols, p = 64, 100, 0.3
	ones := make([]float32, rows*cols)
	for i := range ones {
		ones[i] = 1
	}
	masks := map[string][][]float32{}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		d := &nn.Dropout{P: p, Seed: 42}
		x, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: cols}, ones)
		require.NoError(t, err)
		defer b.Release(x)
		g := autograd.NewGraph(b)
		run := func() []float32 {
			y := d.Forward(g, g.Input(x))
			require.NoError(t, g.Err())
			out, err := backend.ToHost(b, y.Tensor())
			require.NoError(t, err)
			require.NoError(t, g.Reset())
			return out
		}
		d.SetTraining(true)
		first, second := run(), run()
		d.SetTraining(false)
		assert.Equal(t, ones, run(), "evaluation mode is the identity")
		zeros := 0
		for _, v := range first {
			if v == 0 {
				zeros++
			} else {
				require.Equal(t, float32(1/(1-p)), v)
			}
		}
		// 6400 draws: the count's standard deviation is √(6400·0.21) ≈ 37.
		assert.InDelta(t, p*rows*cols, zeros, 5*37)
		assert.NotEqual(t, first, second, "each call draws a new mask")
		masks[b.Name()] = [][]float32{first, second}
	})
	if len(masks) == 2 {
		assert.Equal(t, masks["cpu"], masks["gl"], "the same masks on both backends")
	}
}

// TestModelLiteralIsRefused: a Model not made by NewModel gets an error
// from the stock tools, not a panic.
func TestModelLiteralIsRefused(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1)
	m := &nn.Model{Net: issueNet()}
	opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	require.NoError(t, err)
	_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 5, Train: set}).Fit(context.Background())
	assert.ErrorContains(t, err, "not made by NewModel")
	_, err = nn.Predict(m, set.X)
	assert.ErrorContains(t, err, "not made by NewModel")
}

// TestProbabilities: rows of probabilities that sum to 1 (within 1e-6,
// float32 rounding of a few terms), whose argmax is Predict's class; a
// model ending in Softmax gives the same rows.
func TestProbabilities(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, _ := data.Spiral(20, 3, 2)
		m, err := nn.NewModel(b, issueNet(), 2, 3)
		require.NoError(t, err)
		defer m.Release()
		probs, err := nn.Probabilities(m, set.X)
		require.NoError(t, err)
		classes, err := nn.Predict(m, set.X)
		require.NoError(t, err)
		require.Len(t, probs, set.Len())
		for i, row := range probs {
			sum := float32(0)
			for _, p := range row {
				sum += p
			}
			assert.InDelta(t, 1, sum, 1e-6)
			assert.Equal(t, classes[i], argmax(row), "row %d", i)
		}
		soft := &nn.Model{}
		*soft = *m
		soft.Net = nn.Seq(append(slices.Clone(m.Net.(*nn.Sequential).Layers), nn.Softmax{})...)
		again, err := nn.Probabilities(soft, set.X)
		require.NoError(t, err)
		assert.Equal(t, probs, again)
	})
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// TestPredictAppliesStandardizer: a model with a Standardizer predicts on
// raw rows what it predicts, without one, on the standardised rows.
func TestPredictAppliesStandardizer(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(20, 3, 2)
	for i := range set.X { // raw features far from standard
		set.X[i] = 100*set.X[i] + 40
	}
	st, err := data.FitStandardizer(set)
	require.NoError(t, err)
	m, err := nn.NewModel(b, issueNet(), 2, 3)
	require.NoError(t, err)
	defer m.Release()
	std, err := st.Apply(set)
	require.NoError(t, err)
	want, err := nn.Probabilities(m, std.X)
	require.NoError(t, err)
	m.Standardizer = &st
	got, err := nn.Probabilities(m, set.X)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestCustomModule: a module of the user's own is a model: it trains, and
// its width is found by a forward pass.
func TestCustomModule(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(30, 3, 1)
	lin, err := nn.NewLinear(b, 2, 3, nn.Xavier, 5, "mine.")
	require.NoError(t, err)
	m, err := nn.NewModel(b, &twice{lin}, 2, 1)
	require.NoError(t, err)
	defer m.Release()
	assert.Equal(t, 3, m.Outputs)
	assert.Equal(t, "mine.weight", m.Parameters()[0].Name(), "a module of one's own keeps its names")
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
	require.NoError(t, err)
	defer opt.Release()
	h, err := (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 20, BatchSize: 30, Train: set}).Fit(context.Background())
	require.NoError(t, err)
	assert.Less(t, h.Epochs[len(h.Epochs)-1].Loss, h.Epochs[0].Loss)
}

// twice is a user's module: a Linear layer applied to 2·x.
type twice struct{ l *nn.Linear }

func (w *twice) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return w.l.Forward(g, g.Scale(2, x))
}

func (w *twice) Parameters() []*autograd.Value { return w.l.Parameters() }

// TestNilLayersAreRefused: a nil layer pointer in a Sequential is an error
// from NewModel, not a panic at the first forward pass.
func TestNilLayersAreRefused(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	var act *nn.Activation
	var soft *nn.Softmax
	var drop *nn.Dropout
	for i, layer := range []nn.Module{act, soft, drop, (*nn.Linear)(nil), (*nn.Sequential)(nil)} {
		_, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 3}, layer), 2, 1)
		assert.ErrorContains(t, err, "layer 1 is a nil", "%d", i)
	}
}
