package nn_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// ceOpts are options whose every part changes the loss: ε = 0.1 and
// unequal weights.
var ceOpts = nn.CrossEntropyOptions{LabelSmoothing: 0.1, ClassWeights: []float32{0.5, 2, 1.25}}

// graphCE is g.SoftmaxCrossEntropyWeighted of m's scores on the whole set,
// one batch, as a float32 on the host.
func graphCE(t *testing.T, b backend.Backend, m *nn.Model, set data.Set, o nn.CrossEntropyOptions) float32 {
	t.Helper()
	labels := make([]float32, len(set.Labels))
	for i, y := range set.Labels {
		labels[i] = float32(y)
	}
	up := func(r, c int, v []float32) backend.Tensor {
		z, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, v)
		require.NoError(t, err)
		t.Cleanup(func() { b.Release(z) })
		return z
	}
	g := autograd.NewGraph(b)
	defer g.Reset()
	g.SetGrad(false)
	scores := m.Forward(g, g.Input(up(set.Len(), set.Features, set.X)))
	var w *autograd.Value
	if o.ClassWeights != nil {
		w = g.Input(up(1, len(o.ClassWeights), o.ClassWeights))
	}
	l := g.SoftmaxCrossEntropyWeighted(scores, g.Input(up(set.Len(), 1, labels)), w, o.LabelSmoothing)
	require.NoError(t, g.Err())
	h, err := backend.ToHost(b, l.Tensor())
	require.NoError(t, err)
	return h[0]
}

// TestTrainerCrossEntropyOptions: on each backend, with label smoothing
// and class weights, EvaluateCrossEntropy before training and the loss of
// the Trainer's first step (the whole set in one batch, shuffled) are
// g.SoftmaxCrossEntropyWeighted's on the model's scores, and differ from
// the plain loss; Evaluate (the plain loss) still agrees with the plain
// graph loss.
func TestTrainerCrossEntropyOptions(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, err := data.Spiral(7, 3, 1) // 21 rows: not a multiple of a work group
		require.NoError(t, err)
		m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
		require.NoError(t, err)
		defer m.Release()
		want, plain := graphCE(t, b, m, set, ceOpts), graphCE(t, b, m, set, nn.CrossEntropyOptions{})
		require.Greater(t, math.Abs(float64(want-plain)), 1e-3, "the options change the loss")
		ds, err := nn.Upload(b, set)
		require.NoError(t, err)
		defer ds.Release()
		// One batch: the mean over rows is loss·n/n, one or two roundings
		// from the graph's (1e-6 relative).
		got, _, err := nn.EvaluateCrossEntropy(m, ceOpts, ds, 0)
		require.NoError(t, err)
		assert.InEpsilon(t, want, got, 1e-6, "EvaluateCrossEntropy")
		got, _, err = nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 0)
		require.NoError(t, err)
		assert.InEpsilon(t, plain, got, 1e-6, "Evaluate")

		opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
		require.NoError(t, err)
		defer opt.Release()
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: set.Len(), Train: set, Val: set, CrossEntropy: ceOpts}
		h, err := tr.Fit(context.Background())
		require.NoError(t, err)
		// The batch is the set in a shuffled order: the sums over rows
		// round differently, a few float32 ulps (1e-6 relative).
		assert.InEpsilon(t, want, h.StepLoss[0], 1e-6, "the first step's loss")
		// The validation loss is the options' too, on the trained model.
		assert.InEpsilon(t, graphCE(t, b, m, set, ceOpts), h.Epochs[0].ValLoss, 1e-6, "the validation loss")
	})
}

// TestCrossEntropyStepMatchesPyTorch: one SGD step of a 2-8-3 ReLU MLP on
// 21 rows, trained with label smoothing 0.1 and class weights, has
// torch.nn.CrossEntropyLoss(weight, label_smoothing)'s loss and leaves
// PyTorch's weights, on each backend.
func TestCrossEntropyStepMatchesPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	set, err := data.Spiral(7, 3, 1)
	require.NoError(t, err)
	const lr = 0.5
	cpuModel, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(backendtest.Open(t, "cpu"), 1)
	require.NoError(t, err)
	defer cpuModel.Release()
	state, err := cpuModel.State()
	require.NoError(t, err)
	sd := map[string][]float32{}
	shapes := map[string][]int{}
	for _, s := range state {
		sd[s.Name], shapes[s.Name] = s.Data, s.Shape
	}
	in, err := json.Marshal(map[string]any{"x": set.X, "y": set.Labels, "state": sd, "shapes": shapes,
		"weight": ceOpts.ClassWeights, "eps": ceOpts.LabelSmoothing, "lr": lr})
	require.NoError(t, err)
	cmd := exec.Command(python, "-c", `
import json, sys, torch
a = json.load(sys.stdin)
net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
net.load_state_dict({k: torch.tensor(v).reshape(a["shapes"][k]) for k, v in a["state"].items()}, strict=True)
x = torch.tensor(a["x"]).reshape(-1, 2)
y = torch.tensor(a["y"])
f = torch.nn.CrossEntropyLoss(weight=torch.tensor(a["weight"]), label_smoothing=a["eps"])
opt = torch.optim.SGD(net.parameters(), lr=a["lr"])
loss = f(net(x), y)
loss.backward()
opt.step()
json.dump({"loss": loss.item(), "state": {k: v.flatten().tolist() for k, v in net.state_dict().items()}}, sys.stdout)
`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var want struct {
		Loss  float64
		State map[string][]float64
	}
	require.NoError(t, json.Unmarshal(out, &want))
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1) // the same seed: the same weights on every backend
		require.NoError(t, err)
		defer m.Release()
		opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), lr, 0)
		require.NoError(t, err)
		defer opt.Release()
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: set.Len(), Train: set, CrossEntropy: ceOpts}
		h, err := tr.Fit(context.Background())
		require.NoError(t, err)
		// float32 against PyTorch's float32, summed in other orders: 1e-5
		// relative, the bound for the checks against PyTorch.
		assert.InEpsilon(t, want.Loss, h.StepLoss[0], 1e-5, "loss")
		got, err := m.State()
		require.NoError(t, err)
		for _, s := range got {
			for i, v := range s.Data {
				w := want.State[s.Name][i]
				// A weight is w − lr·g: 1e-5 relative to the step's terms,
				// and 1e-6 absolute where w and lr·g nearly cancel.
				assert.InDelta(t, w, v, 1e-6+1e-5*math.Abs(w), "%s[%d]", s.Name, i)
			}
		}
	})
}

// TestCrossEntropyOptionsRefused: options that do not fit are refused
// before anything trains, naming what is wrong, with
// backend.ErrInvalidArgument: another loss, ε outside [0, 1) or NaN, a
// weight count other than the outputs, a weight ≤ 0, NaN or infinite.
func TestCrossEntropyOptionsRefused(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, err := data.Spiral(7, 3, 1)
	require.NoError(t, err)
	m, err := nn.MLP(2, nil, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	require.NoError(t, err)
	defer opt.Release()
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		loss nn.Loss
		o    nn.CrossEntropyOptions
		want string
	}{
		{nn.SVMHinge, nn.CrossEntropyOptions{LabelSmoothing: 0.1}, "not of svm"},
		{nn.MeanSquaredError, nn.CrossEntropyOptions{ClassWeights: []float32{1, 1, 1}}, "not of mse"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{LabelSmoothing: 1}, "label smoothing 1"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{LabelSmoothing: -0.1}, "label smoothing -0.1"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{LabelSmoothing: nan}, "label smoothing NaN"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{1, 1}}, "2 class weights for a model of 3 outputs"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{1, 0, 1}}, "class weight 1 is 0"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{1, 1, -2}}, "class weight 2 is -2"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{nan, 1, 1}}, "class weight 0 is NaN"},
		{nn.SoftmaxCrossEntropy, nn.CrossEntropyOptions{ClassWeights: []float32{1, inf, 1}}, "class weight 1 is +Inf"},
	} {
		tr := nn.Trainer{Model: m, Loss: tc.loss, Optimizer: opt, Epochs: 1, BatchSize: 7, Train: set, CrossEntropy: tc.o}
		_, err := tr.Fit(context.Background())
		assert.ErrorContains(t, err, tc.want)
		assert.True(t, errors.Is(err, backend.ErrInvalidArgument), "%v", err)
		if tc.loss == nn.SoftmaxCrossEntropy {
			ds, err := nn.Upload(b, set)
			require.NoError(t, err)
			_, _, err = nn.EvaluateCrossEntropy(m, tc.o, ds, 0)
			ds.Release()
			assert.ErrorContains(t, err, tc.want, "evaluate")
		}
	}
}
