// Command quickstart trains a 2-layer ReLU network on the spiral data set
// through the gltrain library: the program the README shows. It trains on
// the GPU when OpenGL 4.3 is there and on the CPU otherwise.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"

	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

func main() {
	b, err := backend.Open("gl")
	if err != nil {
		log.Printf("no GL (%v): training on the CPU", err)
		if b, err = backend.Open("cpu"); err != nil {
			log.Fatal(err)
		}
	}
	defer b.Close()

	spiral, err := data.Spiral(100, 3, 1) // 300 points, 3 classes
	if err != nil {
		log.Fatal(err)
	}
	model, err := nn.MLP(2, []int{100}, 3, nn.ReLU).Build(b, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Release()
	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer opt.Release()

	trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: 100, BatchSize: 300, Train: spiral}
	history, err := trainer.Fit(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	last := history.Epochs[len(history.Epochs)-1]
	fmt.Printf("%s: epoch %d, loss %.4f, accuracy %.1f%%\n", b.Name(), last.Epoch, last.Loss, 100*last.Accuracy)
}
