// Command sequential trains a model declared layer by layer, each layer with
// its own activation, as torch.nn.Sequential declares one:
//
//	2 → Linear 64, tanh → Linear 32, ReLU → Dropout(0.2) → Linear 3
//
// on the spiral data set (300 points in 3 interleaved arms) with nn.Trainer,
// holding a fifth of the points out for validation. It prints the model,
// the loss and accuracies every 25 epochs and the final validation
// accuracy.
//
//	go run ./examples/sequential [-backend gl|cpu] [-epochs 100]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

func main() {
	name := flag.String("backend", "", "gl or cpu (default: gl on a hardware renderer, else cpu: backend.OpenAuto)")
	epochs := flag.Int("epochs", 100, "training epochs")
	flag.Parse()
	b, err := openBackend(*name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(b, *epochs, os.Stdout)
	b.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// run trains the model on b for the given epochs, printing to w.
func run(b backend.Backend, epochs int, w io.Writer) error {
	spiral, err := data.Spiral(100, 3, 1)
	if err != nil {
		return err
	}
	train, val, err := spiral.Split(0.2, 2) // 240 to train on, 60 to validate
	if err != nil {
		return err
	}

	// Linear layers are declared by their output size: NewModel infers
	// each one's input size and draws its weights for the activation
	// after it (Xavier before tanh and for the output, He before ReLU).
	net := nn.Seq(
		&nn.Linear{Out: 64}, nn.Act(nn.Tanh),
		&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
		&nn.Dropout{P: 0.2},
		&nn.Linear{Out: 3},
	)
	model, err := nn.NewModel(b, net, spiral.Features, 1)
	if err != nil {
		return err
	}
	defer model.Release()
	params := 0
	for _, p := range model.Parameters() {
		params += p.Shape().Len()
	}
	fmt.Fprintf(w, "model %s, %d parameters, on %s\n", model, params, b.Name())

	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	if err != nil {
		return err
	}
	defer opt.Release()
	// The Trainer trains in training mode (Dropout drops) and validates
	// in evaluation mode (Dropout is the identity).
	trainer := nn.Trainer{
		Model: model, Optimizer: opt,
		Epochs: epochs, BatchSize: 32, Seed: 3,
		Train: train, Val: val,
		OnEpoch: func(s nn.EpochStats) error {
			if s.Epoch%25 == 0 {
				fmt.Fprintf(w, "epoch %3d: loss %.4f, accuracy %5.1f%%, validation loss %.4f, accuracy %5.1f%%\n",
					s.Epoch, s.Loss, 100*s.Accuracy, s.ValLoss, 100*s.ValAccuracy)
			}
			return nil
		},
	}
	history, err := trainer.Fit(context.Background())
	if err != nil {
		return err
	}
	last := history.Epochs[len(history.Epochs)-1]
	fmt.Fprintf(w, "final validation accuracy: %.1f%% of %d points\n", 100*last.ValAccuracy, val.Len())
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
