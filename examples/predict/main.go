// Command predict trains a classifier on a small CSV file and prints the
// class probabilities of new, raw rows.
//
// The data, fruit.csv, is made up for this example: the weight (grams),
// diameter (cm) and acidity (pH) of 50 apples, 50 lemons and 50 oranges.
// The features have very different scales, so the model is trained on
// standardised features; setting the model's Standardizer makes
// nn.Probabilities and nn.Predict standardise new rows the same way, so
// rows are given to them as measured.
//
//	go run ./examples/predict [-backend gl|cpu]
package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

//go:embed fruit.csv
var fruitCSV []byte

// newFruit are the rows to classify, raw: weight (g), diameter (cm), pH.
var newFruit = [][]float32{
	{165, 7.3, 3.35},
	{105, 5.8, 2.25},
	{220, 8.4, 3.85},
	{190, 7.8, 3.6}, // between an apple and an orange
}

func main() {
	name := flag.String("backend", "", "gl or cpu (default: gl on a hardware renderer, else cpu: backend.OpenAuto)")
	flag.Parse()
	b, err := openBackend(*name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(b, os.Stdout)
	b.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// run trains the model on b and prints its predictions to w.
func run(b backend.Backend, w io.Writer) error {
	fruit, err := data.ParseCSV(bytes.NewReader(fruitCSV), "fruit.csv", data.CSVOptions{})
	if err != nil {
		return err
	}
	train, val, err := fruit.Split(0.2, 1)
	if err != nil {
		return err
	}
	// Fit the standardisation on the training split only, and train on
	// standardised features.
	st, err := data.FitStandardizer(train)
	if err != nil {
		return err
	}
	train, err = st.Apply(train)
	if err != nil {
		return err
	}
	if val, err = st.Apply(val); err != nil {
		return err
	}

	model, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU), &nn.Linear{Out: fruit.Classes}), fruit.Features, 1)
	if err != nil {
		return err
	}
	defer model.Release()
	model.Standardizer = &st            // Predict and Probabilities apply it to raw rows
	model.ClassNames = fruit.ClassNames // apple, lemon, orange: sorted names
	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	if err != nil {
		return err
	}
	defer opt.Release()
	trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: 100, BatchSize: 16, Seed: 1,
		Train: train, Val: val}
	history, err := trainer.Fit(context.Background())
	if err != nil {
		return err
	}
	last := history.Epochs[len(history.Epochs)-1]
	fmt.Fprintf(w, "model %s, classes %s: validation accuracy %.1f%% of %d\n",
		model, strings.Join(model.ClassNames, ", "), 100*last.ValAccuracy, val.Len())

	x, err := nn.Rows(newFruit)
	if err != nil {
		return err
	}
	probs, err := nn.Probabilities(model, x)
	if err != nil {
		return err
	}
	classes, err := nn.Predict(model, x)
	if err != nil {
		return err
	}
	for i, row := range newFruit {
		var ps []string
		for c, p := range probs[i] {
			ps = append(ps, fmt.Sprintf("%s %.4f", model.ClassNames[c], p))
		}
		fmt.Fprintf(w, "%3.0f g, %.1f cm, pH %.2f: %-6s (%s)\n",
			row[0], row[1], row[2], model.ClassNames[classes[i]], strings.Join(ps, ", "))
	}
	return nil
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
