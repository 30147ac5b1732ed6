package nn_test

import (
	"context"
	"fmt"

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
