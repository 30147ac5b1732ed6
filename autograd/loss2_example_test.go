package autograd_test

import (
	"fmt"
	"log"

	"gltrain/autograd"
	"gltrain/backend"
)

// A regression head's losses against real-valued targets of two columns,
// and a binary classifier's BCE on logits, as PyTorch's L1Loss, HuberLoss
// and BCEWithLogitsLoss compute them (means over every element), with the
// gradient of the L1 loss: sign(pred − target)/4. The values are torch
// 1.13's: 1.0, 0.6875 and 0.2201.
func ExampleGraph_L1Loss() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	tensor := func(rows, cols int, v ...float32) backend.Tensor {
		t, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: cols}, v)
		if err != nil {
			log.Fatal(err)
		}
		return t
	}
	g := autograd.NewGraph(b)
	pred := g.Leaf(tensor(2, 2, 1.5, -0.5, 3, 2), true)
	target := g.Input(tensor(2, 2, 1, 0, 0, 2))
	l1 := g.L1Loss(pred, target)
	huber := g.HuberLoss(pred, target, 1)
	bce := g.BCEWithLogits(g.Input(tensor(1, 2, 2, -1)), g.Input(tensor(1, 2, 1, 0)))
	if err := g.Backward(l1); err != nil {
		log.Fatal(err)
	}
	for _, v := range []*autograd.Value{l1, huber, bce} {
		h, err := backend.ToHost(b, v.Tensor())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%.4f\n", h[0])
	}
	grad, err := backend.ToHost(b, pred.Grad())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(grad)
	// Output:
	// 1.0000
	// 0.6875
	// 0.2201
	// [0.25 -0.25 0.25 0]
}
