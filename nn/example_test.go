package nn_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"gltrain/backend"
	"gltrain/nn"
	"gltrain/nn/data"
)

// The course notes' case study: a linear classifier cannot separate the
// spiral; a 2-layer net with 100 ReLU units can.
func ExampleMLP() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	spiral, _ := data.Spiral(100, 3, 1)
	train := func(arch nn.Arch) float64 {
		model, _ := arch.Build(b, 7)
		defer model.Release()
		opt, _ := nn.NewOptimizer("adam", b, model.Parameters(), 0.1, 0)
		defer opt.Release()
		trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: 150, BatchSize: 300, Train: spiral}
		if _, err := trainer.Fit(context.Background()); err != nil {
			panic(err)
		}
		set, _ := nn.Upload(b, spiral)
		defer set.Release()
		_, acc, _ := nn.Evaluate(model, nn.SoftmaxCrossEntropy, set, 0)
		return acc
	}
	fmt.Println("linear classifier above 60%:", train(nn.MLP(2, nil, 3, nn.Identity)) > 0.6)
	fmt.Println("2-layer ReLU net above 97%:", train(nn.MLP(2, []int{100}, 3, nn.ReLU)) > 0.97)
	// Output:
	// linear classifier above 60%: false
	// 2-layer ReLU net above 97%: true
}

func ExampleArch_String() {
	fmt.Println(nn.MLP(784, []int{256}, 10, nn.ReLU))
	fmt.Println(nn.MLP(2, nil, 3, nn.Identity))
	// Output:
	// 784-256-10 relu
	// 2-3 linear
}

// A model declared layer by layer, each Linear by its output size only:
// NewModel infers the input sizes and names the parameters by position, as
// torch.nn.Sequential does (the activations and the dropout count too), in
// PyTorch's layout (a weight is out×in).
func ExampleNewModel() {
	b, err := backend.Open("cpu") // needs import _ "gltrain/backend/cpu"
	if err != nil {
		panic(err)
	}
	defer b.Close()
	net := nn.Seq(
		&nn.Linear{Out: 64}, nn.Act(nn.Tanh),
		&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
		&nn.Dropout{P: 0.2},
		&nn.Linear{Out: 3},
	)
	m, err := nn.NewModel(b, net, 2, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	fmt.Println(m)
	fmt.Println("inputs", m.Inputs, "outputs", m.Outputs)
	state, err := m.State()
	if err != nil {
		panic(err)
	}
	for _, t := range state {
		fmt.Println(t.Name, t.Shape)
	}
	// Output:
	// 2-64 tanh-32 relu-dropout 0.2-3
	// inputs 2 outputs 3
	// 0.weight [64 2]
	// 0.bias [64]
	// 2.weight [32 64]
	// 2.bias [32]
	// 5.weight [3 32]
	// 5.bias [3]
}

// Class probabilities for new rows, given as measured: the model's
// Standardizer maps them to the features it was trained on.
func ExampleProbabilities() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	spiral, _ := data.Spiral(100, 3, 1)
	st, err := data.FitStandardizer(spiral)
	if err != nil {
		panic(err)
	}
	train, err := st.Apply(spiral)
	if err != nil {
		panic(err)
	}
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 100}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 2, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	m.Standardizer = &st
	opt, _ := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	defer opt.Release()
	trainer := nn.Trainer{Model: m, Optimizer: opt, Epochs: 200, BatchSize: 300, Train: train}
	if _, err := trainer.Fit(context.Background()); err != nil {
		panic(err)
	}

	// The outer ends of the three arms (raw, not standardised).
	x, err := nn.Rows([][]float32{spiral.X[2*99 : 2*100], spiral.X[2*199 : 2*200], spiral.X[2*299 : 2*300]})
	if err != nil {
		panic(err)
	}
	probs, err := nn.Probabilities(m, x)
	if err != nil {
		panic(err)
	}
	classes, err := nn.Predict(m, x)
	if err != nil {
		panic(err)
	}
	for i, p := range probs {
		sum := float32(0)
		for _, v := range p {
			sum += v
		}
		fmt.Printf("row %d: %d probabilities, sum %.4f, class %d, above 0.9: %v\n", i, len(p), sum, classes[i], p[classes[i]] > 0.9)
	}
	// Output:
	// row 0: 3 probabilities, sum 1.0000, class 0, above 0.9: true
	// row 1: 3 probabilities, sum 1.0000, class 1, above 0.9: true
	// row 2: 3 probabilities, sum 1.0000, class 2, above 0.9: true
}

// Save writes a model to a safetensors file; Load builds it again from the
// file alone, with its standardisation and class names.
func ExampleSave() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.5}, &nn.Linear{Out: 2}), 3, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	m.Standardizer = &data.Standardizer{Mean: []float64{10, 20, 30}, Std: []float64{1, 2, 3}}
	m.ClassNames = []string{"no", "yes"}

	dir, err := os.MkdirTemp("", "gltrain-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	if err := nn.Save(path, m, nil); err != nil {
		panic(err)
	}
	loaded, err := nn.Load(path, b)
	if err != nil {
		panic(err)
	}
	defer loaded.Release()

	rows := []float32{11, 22, 33, 9, 18, 27}
	before, _ := nn.Probabilities(m, rows)
	after, _ := nn.Probabilities(loaded, rows)
	fmt.Println(loaded)
	fmt.Println("class names:", loaded.ClassNames)
	fmt.Println("standardizer:", loaded.Standardizer.Mean, loaded.Standardizer.Std)
	fmt.Println("same probabilities:", reflect.DeepEqual(before, after))
	// Output:
	// 3-8 relu-dropout 0.5-2
	// class names: [no yes]
	// standardizer: [10 20 30] [1 2 3]
	// same probabilities: true
}

// A run saved with its TrainState continues where it stopped: Resume gives
// back the model and the optimiser with its state, and the epochs and steps
// done, which the Trainer's StartEpoch and StartStep take. Five epochs, a
// save and three resumed epochs give the weights of eight epochs in one
// run, bit for bit, dropout masks and batch order included.
func ExampleResume() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	spiral, _ := data.Spiral(100, 3, 1)
	train := func(m *nn.Model, opt nn.Optimizer, start nn.TrainState, epochs int) nn.EpochStats {
		t := nn.Trainer{Model: m, Optimizer: opt, Epochs: epochs, BatchSize: 100, Seed: 5, Train: spiral,
			StartEpoch: start.Epochs, StartStep: start.Steps}
		history, err := t.Fit(context.Background())
		if err != nil {
			panic(err)
		}
		return history.Epochs[len(history.Epochs)-1]
	}
	newModel := func() (*nn.Model, nn.Optimizer) {
		m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.3}, &nn.Linear{Out: 3}), 2, 1)
		if err != nil {
			panic(err)
		}
		opt, _ := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
		return m, opt
	}

	m, opt := newModel()
	defer m.Release()
	defer opt.Release()
	last := train(m, opt, nn.TrainState{}, 5)
	dir, err := os.MkdirTemp("", "gltrain-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.safetensors")
	if err := nn.Save(path, m, &nn.TrainState{Optimizer: opt, Epochs: last.Epoch, Steps: last.GlobalStep}); err != nil {
		panic(err)
	}

	resumed, st, err := nn.Resume(path, b) // in another process, typically
	if err != nil {
		panic(err)
	}
	defer resumed.Release()
	defer st.Optimizer.Release()
	fmt.Println("epochs done:", st.Epochs, "steps done:", st.Steps, "learning rate:", st.Optimizer.LR())
	last = train(resumed, st.Optimizer, *st, 8)
	fmt.Println("epochs done:", last.Epoch, "steps done:", last.GlobalStep)

	oneRun, opt8 := newModel()
	defer oneRun.Release()
	defer opt8.Release()
	train(oneRun, opt8, nn.TrainState{}, 8)
	want, _ := oneRun.State()
	got, _ := resumed.State()
	fmt.Println("same weights as one run of 8 epochs:", reflect.DeepEqual(want, got))
	// Output:
	// epochs done: 5 steps done: 15 learning rate: 0.01
	// epochs done: 8 steps done: 24
	// same weights as one run of 8 epochs: true
}

// Keras-style callbacks: ModelCheckpoint keeps the epoch of the best
// validation loss in a file (with the optimiser state, so that Resume
// continues it), EarlyStopping ends training once the validation loss has
// not improved for Patience epochs, and an interruption (ctx cancelled)
// before any epoch is saved saves the model as it is.
func ExampleModelCheckpoint() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	spiral, _ := data.Spiral(100, 3, 1)
	train, val, _ := spiral.Split(0.2, 1)
	model, _ := nn.MLP(2, []int{100}, 3, nn.ReLU).Build(b, 1)
	defer model.Release()
	opt, _ := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	defer opt.Release()

	dir, err := os.MkdirTemp("", "gltrain-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "best.safetensors")
	best := &nn.ModelCheckpoint{Path: path, BestOnly: true, SaveOnInterrupt: true}
	early := &nn.EarlyStopping{Patience: 5}
	trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: 500, BatchSize: 16, Train: train, Val: val,
		Callbacks: []nn.Callback{best, early}}
	hist, err := trainer.Fit(context.Background())
	if err != nil {
		panic(err)
	}
	info, err := nn.ReadInfo(path)
	if err != nil {
		panic(err)
	}
	fmt.Println("stopped early:", early.Stopped > 0 && early.Stopped < 500 && len(hist.Epochs) == early.Stopped)
	fmt.Println("the file holds the best epoch:", info.Epochs == best.Monitor.BestEpoch && info.Epochs == early.Stopped-5)
	fmt.Println("with the state to resume it:", info.HasOptimizer)
	// Output:
	// stopped early: true
	// the file holds the best epoch: true
	// with the state to resume it: true
}
