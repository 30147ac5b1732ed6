// Command cnn trains a small convolutional network through the gltrain
// library: on the first 6,000 MNIST digits when MNIST is in gltrain's cache
// (make mnist, or train -data=mnist, puts it there), else on data.Strokes,
// generated images of a stroke; a few seconds on the CPU either way. It
// trains on the GPU when OpenGL 4.3 is there on a hardware renderer, and
// on the CPU otherwise (backend.OpenAuto, which says why). It exports the
// trained model to cnn.onnx, which takes raw pixel rows.
//
//	go run ./examples/cnn
package main

import (
	"context"
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
	dir, err := data.DefaultMNISTDir()
	if err != nil {
		dir = "" // no cache folder: the generated images
	}
	if err := run(os.Stdout, dir, "cnn.onnx"); err != nil {
		log.Fatal(err)
	}
}

// run trains on MNIST from dir (the generated images when it does not hold
// MNIST), writes the model's summary and its test accuracy to w, and
// exports the model to the ONNX file onnxPath.
func run(w io.Writer, dir, onnxPath string) error {
	b, why, err := backend.OpenAuto("")
	if err != nil {
		return err
	}
	if why != nil {
		log.Printf("%v: training on the CPU", why)
	}
	defer b.Close()

	train, test, shape, epochs, err := images(dir)
	if err != nil {
		return err
	}
	// conv 8@3×3 - ReLU - 2×2 max pool - a Linear to the classes: each
	// layer takes its input's shape from the one before.
	net := nn.Seq(
		&nn.Conv2D{Out: 8, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
		nn.Flatten{}, &nn.Linear{Out: train.Classes},
	)
	model, err := nn.NewImageModel(b, net, shape, 1)
	if err != nil {
		return err
	}
	defer model.Release()
	table, err := nn.Summary(model)
	if err != nil {
		return err
	}
	fmt.Fprint(w, table)

	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.003, 0)
	if err != nil {
		return err
	}
	defer opt.Release()
	trainer := nn.Trainer{Model: model, Optimizer: opt, Epochs: epochs, BatchSize: 64, Train: train}
	if _, err := trainer.Fit(context.Background()); err != nil {
		return err
	}

	// The test images, as the network sees them (no standardisation here:
	// the pixels already lie in [0, 1]).
	testSet, err := nn.Upload(b, test)
	if err != nil {
		return err
	}
	defer testSet.Release()
	loss, acc, err := nn.Evaluate(model, nn.SoftmaxCrossEntropy, testSet, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s, %d training images: test accuracy %.1f%% (loss %.4f) on %d images\n", train.Name, train.Len(), 100*acc, loss, test.Len())

	// The model as ONNX, for onnxruntime, PyTorch's importers or a browser.
	if err := nn.SaveONNX(onnxPath, model); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: input %q (N, %d), outputs %q\n", onnxPath, nn.ONNXInput, model.Inputs, nn.ONNXOutputNames(model))
	return nil
}

// images returns the training and test images, their shape and the epochs
// to train: the first 6,000 and 1,000 MNIST digits, 3 epochs, when dir
// holds MNIST, else generated strokes of 16×16 pixels, 15 epochs.
func images(dir string) (train, test data.Set, shape nn.Image, epochs int, err error) {
	if dir != "" {
		if train, err = data.LoadMNIST(dir, true); err == nil {
			if test, err = data.LoadMNIST(dir, false); err == nil {
				if train, err = train.Subset(first(6000)); err == nil {
					test, err = test.Subset(first(1000))
				}
				return train, test, nn.Image{C: 1, H: 28, W: 28}, 3, err
			}
		}
	}
	if train, err = data.Strokes(400, 16, 0.3, 1); err == nil {
		test, err = data.Strokes(100, 16, 0.3, 2)
	}
	return train, test, nn.Image{C: 1, H: 16, W: 16}, 15, err
}

// first is the indices 0 … n−1.
func first(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
