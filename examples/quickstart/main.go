// Command quickstart trains a 2-layer ReLU network on the spiral data set
// through the gltrain library: the program the README shows. It trains on
// the GPU when OpenGL 4.3 is there on a hardware renderer, and on the CPU
// otherwise (backend.OpenAuto, which says why).
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
	// GL on a hardware renderer, else the CPU (llvmpipe, Mesa's software
	// renderer, is many times slower than the cpu backend), saying why.
	b, why, err := backend.OpenAuto("")
	if err != nil {
		log.Fatal(err)
	}
	if why != nil {
		log.Printf("%v: training on the CPU", why)
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
