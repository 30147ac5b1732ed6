package nn_test

import (
	"context"
	"fmt"

	"gltrain/backend"
	"gltrain/nn"
	"gltrain/nn/data"
)

// A small CNN on images: NewImageModel gives the convolution its input's
// channels, height and width (nn.Image), and each layer after takes its
// shape from the one before. data.Strokes draws 8×8 images of a stroke
// across them, a row, a column or a diagonal at any offset; eight 3×3
// filters find the stroke wherever it lies.
func ExampleNewImageModel() {
	b, err := backend.Open("cpu") // backend.Open("auto") picks a hardware GPU when there is one
	if err != nil {
		panic(err)
	}
	defer b.Close()
	train, err := data.Strokes(100, 8, 0.2, 1)
	if err != nil {
		panic(err)
	}
	test, err := data.Strokes(50, 8, 0.2, 2)
	if err != nil {
		panic(err)
	}

	net := nn.Seq(
		&nn.Conv2D{Out: 8, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		nn.Flatten{}, &nn.Linear{Out: 3})
	m, err := nn.NewImageModel(b, net, nn.Image{C: 1, H: 8, W: 8}, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	table, err := nn.Summary(m)
	if err != nil {
		panic(err)
	}
	fmt.Print(table)

	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	if err != nil {
		panic(err)
	}
	defer opt.Release()
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 20, BatchSize: 30, Train: train}
	if _, err := tr.Fit(context.Background()); err != nil {
		panic(err)
	}
	classes, err := nn.Predict(m, test.X)
	if err != nil {
		panic(err)
	}
	right := 0
	for i, c := range classes {
		if c == test.Labels[i] {
			right++
		}
	}
	fmt.Printf("test accuracy above 90%%: %v\n", right*10 > 9*len(classes)) // 150 of 150 seen
	// Output:
	// layer  type                               output        params
	// 0      Conv2D(1→8, 3×3, stride 1, pad 0)  (N, 8, 6, 6)      80
	// 1      relu                               (N, 8, 6, 6)       0
	// 2      MaxPool2D(2×2, stride 2)           (N, 8, 3, 3)       0
	// 3      Flatten                            (N, 72)            0
	// 4      Linear(72, 3)                      (N, 3)           219
	// total: 299 parameters (1.2 kB in float32)
	// test accuracy above 90%: true
}
