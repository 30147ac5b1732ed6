package nn_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
	"gltrain/nn/safetensors"
)

// trained returns the issue's model trained for a few epochs on a spiral,
// with a standardiser, class names and metadata set.
func trained(t *testing.T, b backend.Backend) (*nn.Model, data.Set) {
	t.Helper()
	set, err := data.Spiral(40, 3, 1)
	require.NoError(t, err)
	m, err := nn.NewModel(b, issueNet(), 2, 1)
	require.NoError(t, err)
	t.Cleanup(func() { m.Release() })
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	require.NoError(t, err)
	defer opt.Release()
	_, err = (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 3, BatchSize: 16, Train: set}).Fit(context.Background())
	require.NoError(t, err)
	st, err := data.FitStandardizer(set)
	require.NoError(t, err)
	m.Standardizer, m.ClassNames, m.Meta = &st, []string{"a", "b", "c"}, map[string]string{"data": "spiral"}
	return m, set
}

// TestSaveLoadRoundTrip: a loaded model gives the saved one's probabilities
// bit for bit, with its standardisation, class names, loss and metadata.
func TestSaveLoadRoundTrip(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, set := trained(t, b)
		m.Loss = nn.SVMHinge
		path := filepath.Join(t.TempDir(), "m.safetensors")
		require.NoError(t, nn.Save(path, m, nil))
		want, err := nn.Probabilities(m, set.X)
		require.NoError(t, err)

		l, err := nn.Load(path, b)
		require.NoError(t, err)
		defer l.Release()
		got, err := nn.Probabilities(l, set.X)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, m.String(), l.String())
		assert.Equal(t, m.Standardizer, l.Standardizer)
		assert.Equal(t, m.ClassNames, l.ClassNames)
		assert.Equal(t, m.Meta, l.Meta)
		assert.Equal(t, nn.SVMHinge, l.Loss)
		assert.True(t, l.Training(), "a loaded model starts in training mode, as NewModel's")
	})
}

// TestResumeIsBitIdentical: 4 epochs in one run, and 2 epochs saved and
// resumed for 2 more, give the same weights to the bit: the optimiser's
// state, the schedule's position, the batch order and the dropout masks
// all continue. Adam (with its per-parameter steps) and SGD with momentum.
func TestResumeIsBitIdentical(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for _, opt := range []string{"adam", "momentum"} {
			t.Run(opt, func(t *testing.T) {
				set, _ := data.Spiral(40, 3, 1)
				fit := func(m *nn.Model, o nn.Optimizer, start nn.TrainState, epochs int, save string) {
					sched, err := nn.ParseSchedule("step:1:0.5", 0.01, 4)
					require.NoError(t, err)
					tr := nn.Trainer{Model: m, Optimizer: o, Schedule: sched, Epochs: epochs, BatchSize: 16, Seed: 3,
						Train: set, StartEpoch: start.Epochs, StartStep: start.Steps}
					if save != "" {
						tr.OnEpoch = func(s nn.EpochStats) error {
							return nn.Save(save, m, &nn.TrainState{Optimizer: o, Epochs: s.Epoch, Steps: s.GlobalStep})
						}
					}
					_, err = tr.Fit(context.Background())
					require.NoError(t, err)
				}
				// One run of 4 epochs.
				m, err := nn.NewModel(b, issueNet(), 2, 1)
				require.NoError(t, err)
				defer m.Release()
				o, err := nn.NewOptimizer(opt, b, m.Parameters(), 0.01, 0)
				require.NoError(t, err)
				defer o.Release()
				fit(m, o, nn.TrainState{}, 4, "")
				want, err := m.State()
				require.NoError(t, err)

				// 2 epochs, saved; resumed to 4.
				path := filepath.Join(t.TempDir(), "run.safetensors")
				m2, err := nn.NewModel(b, issueNet(), 2, 1)
				require.NoError(t, err)
				o2, err := nn.NewOptimizer(opt, b, m2.Parameters(), 0.01, 0)
				require.NoError(t, err)
				fit(m2, o2, nn.TrainState{}, 2, path)
				require.NoError(t, o2.Release())
				require.NoError(t, m2.Release())

				m3, st, err := nn.Resume(path, b)
				require.NoError(t, err)
				defer m3.Release()
				require.NotNil(t, st)
				require.NotNil(t, st.Optimizer)
				defer st.Optimizer.Release()
				assert.Equal(t, 2, st.Epochs)
				assert.Equal(t, 2*((set.Len()+15)/16), st.Steps)
				fit(m3, st.Optimizer, *st, 4, "")
				got, err := m3.State()
				require.NoError(t, err)
				assert.Equal(t, want, got)
			})
		}
	})
}

// TestPyTorchLoadsCheckpoint: torch.nn.Sequential(Linear(2,64), Tanh(),
// Linear(64,32), ReLU(), Dropout(0.2), Linear(32,3)) loads a saved
// checkpoint's model tensors with load_state_dict(strict=True), the
// "optimizer." tensors left out, and gives gltrain's logits within 1e-5.
// Debian's python3-torch is used when installed; the file is read with
// struct and json, as the safetensors package may be missing.
func TestPyTorchLoadsCheckpoint(t *testing.T) {
	python := backendtest.PyTorch(t)
	b := backendtest.Open(t, "cpu")
	m, set := trained(t, b)
	m.Standardizer = nil
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	require.NoError(t, err)
	defer opt.Release()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	require.NoError(t, nn.Save(path, m, &nn.TrainState{Optimizer: opt, Epochs: 3}))

	x, err := backend.FromData(b, backend.Shape{Rows: set.Len(), Cols: 2}, set.X)
	require.NoError(t, err)
	defer b.Release(x)
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	m.SetTraining(false) // PyTorch's net.eval(): no dropout
	logits, err := backend.ToHost(b, m.Forward(g, g.Input(x)).Tensor())
	require.NoError(t, err)
	writeFloats(t, filepath.Join(dir, "x.f32"), set.X)
	writeFloats(t, filepath.Join(dir, "logits.f32"), logits)

	out, err := exec.Command(python, "testdata/torch_load.py", path, filepath.Join(dir, "x.f32"), filepath.Join(dir, "logits.f32")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("%s", out)
}

func writeFloats(t *testing.T, path string, x []float32) {
	buf := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	require.NoError(t, os.WriteFile(path, buf, 0o644))
}

// TestLoadVersion1: a checkpoint of the train command from before the
// model API (a 3-5-4-3 tanh net on a CSV file, with its standardisation and
// class names, weights held in×out as "layers.N.weight") loads, and gives
// the logits computed by hand from its tensors.
func TestLoadVersion1(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	const path = "testdata/legacy-v1-csv.safetensors"
	m, err := nn.Load(path, b)
	require.NoError(t, err)
	defer m.Release()
	assert.Equal(t, "3-5 tanh-4 tanh-3", m.String())
	assert.Equal(t, []string{"setosa", "versicolor", "virginica"}, m.ClassNames)
	require.NotNil(t, m.Standardizer)
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)

	raw := []float32{2.5, 11.2, 40}
	x := make([]float64, 3)
	for j := range x {
		x[j] = (float64(raw[j]) - m.Standardizer.Mean[j]) / m.Standardizer.Std[j]
	}
	for _, layer := range []string{"0", "2", "4"} {
		w, _ := f.Lookup("layers." + layer + ".weight") // in×out
		bias, _ := f.Lookup("layers." + layer + ".bias")
		in, out := w.Shape[0], w.Shape[1]
		y := make([]float64, out)
		for o := range y {
			y[o] = float64(bias.Data[o])
			for i := 0; i < in; i++ {
				y[o] += x[i] * float64(w.Data[i*out+o])
			}
			if layer != "4" {
				y[o] = math.Tanh(y[o])
			}
		}
		x = y
	}
	probs, err := nn.Probabilities(m, raw)
	require.NoError(t, err)
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(v)
	}
	for k, v := range x {
		// float32 products of 5 terms: 1e-6 is ~10 ulps of a probability.
		assert.InDelta(t, math.Exp(v)/sum, probs[0][k], 1e-6, "class %d", k)
	}
}

// TestCustomModelSaveAndLoadInto: a model with a layer of the user's own
// saves its tensors; Load refuses it with a message naming LoadInto, which
// loads it into the same model built in code.
func TestCustomModelSaveAndLoadInto(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	mk := func(seed uint64) *nn.Model {
		lin, err := nn.NewLinear(b, 2, 3, nn.Xavier, seed, "mine.")
		require.NoError(t, err)
		m, err := nn.NewModel(b, &twice{lin}, 2, 1)
		require.NoError(t, err)
		t.Cleanup(func() { m.Release() })
		return m
	}
	m := mk(1)
	path := filepath.Join(t.TempDir(), "custom.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	_, err := nn.Load(path, b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "*nn_test.twice")
	assert.Contains(t, err.Error(), "nn.LoadInto")

	other := mk(2)
	x := []float32{0.5, -1, 2, 0.25}
	before, _ := nn.Probabilities(other, x)
	require.NoError(t, nn.LoadInto(path, other))
	want, _ := nn.Probabilities(m, x)
	got, _ := nn.Probabilities(other, x)
	assert.NotEqual(t, want, before)
	assert.Equal(t, want, got)
}

// TestSaveRefusesNonFiniteWeights: a NaN weight is not saved over a good
// file, which keeps its bytes.
func TestSaveRefusesNonFiniteWeights(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, _ := trained(t, b)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	w := m.Parameters()[2]
	vals, _ := backend.ToHost(b, w.Tensor())
	vals[5] = float32(math.NaN())
	require.NoError(t, b.Upload(w.Tensor(), vals))
	err = nn.Save(path, m, nil)
	var bad *nn.NonFiniteWeightsError
	require.True(t, errors.As(err, &bad), "error %v", err)
	assert.Equal(t, "2.weight", bad.Param)
	after, _ := os.ReadFile(path)
	assert.Equal(t, good, after)
}

// cnn is the issue's MNIST CNN on small images: conv 3×3, ReLU, max pool 2,
// conv 3×3 with stride 2 and padding 1, ReLU, max pool 2, flatten, dense.
func cnn() *nn.Sequential {
	return nn.Seq(
		&nn.Conv2D{Out: 4, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		&nn.Conv2D{Out: 6, KH: 3, Stride: 2, Pad: 1}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		nn.Flatten{}, &nn.Linear{Out: 16}, nn.Act(nn.ReLU), &nn.Linear{Out: 3},
	)
}

// TestPyTorchLoadsCNN: torch.nn.Sequential(Conv2d(2,4,3), ReLU(),
// MaxPool2d(2), Conv2d(4,6,3,stride=2,padding=1), ReLU(), MaxPool2d(2),
// Flatten(), Linear(12,16), ReLU(), Linear(16,3)) loads the checkpoint of
// a CNN strictly and gives its logits within 1e-4 (float32 sums of up to
// 54 products in other orders); the checkpoint loads back into gltrain
// with the same outputs.
func TestPyTorchLoadsCNN(t *testing.T) {
	python := backendtest.PyTorch(t)
	b := backendtest.Open(t, "cpu")
	img := nn.Image{C: 2, H: 17, W: 15}
	m, err := nn.NewImageModel(b, cnn(), img, 3)
	require.NoError(t, err)
	defer m.Release()
	assert.Equal(t, "510-conv 4@3×3 relu-maxpool 2×2-conv 6@3×3/2+1 relu-maxpool 2×2-flatten-16 relu-3", m.String())
	x := sines(5*img.Len(), 1)
	path := torchCompare(t, python, m, x, "1e-4")
	state, err := m.State()
	require.NoError(t, err)
	assert.Equal(t, []int{4, 2, 3, 3}, state[0].Shape, "a Conv2d weight is (out, in, kh, kw)")
	assert.Equal(t, []int{4}, state[1].Shape)

	l, err := nn.Load(path, b)
	require.NoError(t, err)
	defer l.Release()
	assert.Equal(t, m.String(), l.String())
	assert.Equal(t, &img, l.Image)
	p1, err := nn.Probabilities(m, x)
	require.NoError(t, err)
	p2, err := nn.Probabilities(l, x)
	require.NoError(t, err)
	assert.Equal(t, p1, p2)
}

// TestImageModelErrors: a convolution needs images; a kernel larger than
// the image is refused naming the layer and the shapes.
func TestImageModelErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	_, err := nn.NewModel(b, cnn(), 510, 1)
	assert.ErrorContains(t, err, "layer 0 (conv2d) needs images, but its input is 510 flat features")
	_, err = nn.NewImageModel(b, nn.Seq(&nn.Conv2D{Out: 2, KH: 9}, nn.Flatten{}, &nn.Linear{Out: 2}), nn.Image{C: 1, H: 5, W: 5}, 1)
	assert.ErrorContains(t, err, "layer 0: conv2d: a 9×9 kernel is larger than the 5×5 input padded by 0")
	_, err = nn.NewImageModel(b, nn.Seq(&nn.Linear{Out: 8}, &nn.MaxPool2D{KH: 2}), nn.Image{C: 1, H: 4, W: 4}, 1)
	assert.ErrorContains(t, err, "layer 1 (maxpool2d) needs images")
}

// TestPyTorchLoadsEveryActivation: a model with every setting of the
// activation table (each kind with its defaults and with each parameter at
// its test value), each after a Linear, saves a checkpoint that
// torch_load.py rebuilds with the table's PyTorch modules and loads with
// strict=True, giving gltrain's logits within 1e-5; and nn.Load rebuilds
// the same settings.
func TestPyTorchLoadsEveryActivation(t *testing.T) {
	python := backendtest.PyTorch(t)
	b := backendtest.Open(t, "cpu")
	var layers []nn.Module
	for _, f := range backend.ActivationSettings() {
		layers = append(layers, &nn.Linear{Out: 6}, nn.Act(f))
	}
	m, err := nn.NewModel(b, nn.Seq(append(layers, &nn.Linear{Out: 3})...), 2, 7)
	require.NoError(t, err)
	defer m.Release()
	path := torchCompare(t, python, m, sines(2*40, 3), "1e-5")
	l, err := nn.Load(path, b)
	require.NoError(t, err)
	defer l.Release()
	assert.Equal(t, m.String(), l.String())
}

// sines is n values a·sin(i), inputs that cover both signs.
func sines(n int, a float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(a * math.Sin(float64(i)))
	}
	return x
}

// torchCompare saves m (in evaluation mode) and has torch_load.py rebuild it
// in PyTorch, load it strictly and compare its logits for the rows x with
// gltrain's within tol; it returns the checkpoint's path.
func torchCompare(t *testing.T, python string, m *nn.Model, x []float32, tol string) string {
	t.Helper()
	b := m.Backend()
	m.SetTraining(false)
	xt, err := backend.FromData(b, backend.Shape{Rows: len(x) / m.Inputs, Cols: m.Inputs}, x)
	require.NoError(t, err)
	defer b.Release(xt)
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	logits, err := backend.ToHost(b, m.Forward(g, g.Input(xt)).Tensor())
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	writeFloats(t, filepath.Join(dir, "x.f32"), x)
	writeFloats(t, filepath.Join(dir, "logits.f32"), logits)
	out, err := exec.Command(python, "testdata/torch_load.py", path, filepath.Join(dir, "x.f32"), filepath.Join(dir, "logits.f32"), tol).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("%s", out)
	return path
}
