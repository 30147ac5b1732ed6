// Command saveload saves a trained model and loads it in another process.
//
// With -save PATH it trains the model of the sequential example (2 → 64
// tanh → 32 ReLU → dropout 0.2 → 3) on the spiral data set, with a
// standardisation and class names, and saves it with nn.Save: a
// safetensors file in PyTorch's layout and names that also holds the
// optimiser's state, so that nn.Resume could continue the run. With -load
// PATH it rebuilds the model from the file alone with nn.Load (layers,
// weights, standardisation and class names). Either way it then prints the
// class probabilities of the same fixed points, exactly (the shortest
// decimals that give the same float32), so that the two runs can be
// compared:
//
//	go run ./examples/saveload -save /tmp/spiral.safetensors
//	go run ./examples/saveload -load /tmp/spiral.safetensors
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"

	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

// points are the rows whose probabilities are printed (raw features).
var points = [][]float32{
	{0, 0.5},
	{0.5, 0},
	{-0.3, -0.3},
	{0.8, -0.6},
}

func main() {
	name := flag.String("backend", "", "gl or cpu (default: gl on a hardware renderer, else cpu: backend.OpenAuto)")
	save := flag.String("save", "", "train a model and save it to this file")
	load := flag.String("load", "", "load the model saved in this file")
	flag.Parse()
	if (*save == "") == (*load == "") || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: saveload [-backend gl|cpu] (-save PATH | -load PATH)")
		os.Exit(2)
	}
	b, err := openBackend(*name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(b, *save, *load, os.Stdout)
	b.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// run trains and saves a model to save, or loads one from load, on b, and
// prints its probabilities for points to w.
func run(b backend.Backend, save, load string, w io.Writer) error {
	var model *nn.Model
	var err error
	if save != "" {
		model, err = trainAndSave(b, save, w)
	} else {
		model, err = nn.Load(load, b)
		if err == nil {
			fmt.Fprintf(w, "loaded %s from %s\n", model, load)
		}
	}
	if err != nil {
		return err
	}
	defer model.Release()

	x, err := nn.Rows(points)
	if err != nil {
		return err
	}
	probs, err := nn.Probabilities(model, x)
	if err != nil {
		return err
	}
	for i, pt := range points {
		best := 0
		ps := make([]string, len(probs[i]))
		for c, p := range probs[i] {
			ps[c] = strconv.FormatFloat(float64(p), 'g', -1, 32)
			if p > probs[i][best] {
				best = c
			}
		}
		fmt.Fprintf(w, "(%g, %g): %s [%s]\n", pt[0], pt[1], model.ClassNames[best], strings.Join(ps, " "))
	}
	return nil
}

// trainAndSave trains the model on b and saves it to path.
func trainAndSave(b backend.Backend, path string, w io.Writer) (*nn.Model, error) {
	spiral, err := data.Spiral(100, 3, 1)
	if err != nil {
		return nil, err
	}
	train, val, err := spiral.Split(0.2, 2)
	if err != nil {
		return nil, err
	}
	st, err := data.FitStandardizer(train)
	if err != nil {
		return nil, err
	}
	train, err = st.Apply(train)
	if err != nil {
		return nil, err
	}
	if val, err = st.Apply(val); err != nil {
		return nil, err
	}
	model, err := nn.NewModel(b, nn.Seq(
		&nn.Linear{Out: 64}, nn.Act(nn.Tanh),
		&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
		&nn.Dropout{P: 0.2},
		&nn.Linear{Out: 3},
	), spiral.Features, 1)
	if err != nil {
		return nil, err
	}
	// Save records these, and Load gives them back: a loaded model
	// standardises new rows as this one does.
	model.Standardizer = &st
	model.ClassNames = []string{"red", "green", "blue"}

	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	if err != nil {
		return nil, errors.Join(err, model.Release())
	}
	defer opt.Release()
	trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: 50, BatchSize: 32, Seed: 3,
		Train: train, Val: val}
	history, err := trainer.Fit(context.Background())
	if err == nil {
		last := history.Epochs[len(history.Epochs)-1]
		err = nn.Save(path, model, &nn.TrainState{Optimizer: opt, Epochs: last.Epoch, Steps: last.GlobalStep})
		if err == nil {
			fmt.Fprintf(w, "saved %s to %s after %d epochs: validation accuracy %.1f%%\n",
				model, path, last.Epoch, 100*last.ValAccuracy)
		}
	}
	if err != nil {
		return nil, errors.Join(err, model.Release())
	}
	return model, nil
}

// openBackend opens the backend called name; with name empty,
// backend.OpenAuto's: GL on a hardware renderer, else the CPU.
func openBackend(name string) (backend.Backend, error) {
	if name != "" {
		return backend.Open(name)
	}
	b, why, err := backend.OpenAuto("") // GL on a hardware renderer, else the CPU
	if why != nil {
		log.Printf("%v: using the CPU", why)
	}
	return b, err
}
