package autograd_test

import (
	"fmt"
	"log"

	"gltrain/autograd"
	"gltrain/backend"
)

// A log-likelihood picked out of a row's log-softmax, and a maximum whose
// gradient goes to the first of two equal elements, as in PyTorch.
func ExampleGraph_LogSoftmax() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: 3}, []float32{1, 3, 3})
	if err != nil {
		log.Fatal(err)
	}
	x := autograd.NewParameter(b, "x", t)
	defer autograd.ReleaseGrad(x)

	g := autograd.NewGraph(b)
	defer g.Reset()
	ls := g.LogSoftmax(x)                              // log(e^x / Σ e^x), row by row
	loss := g.Add(g.MaxRows(x), g.SliceCols(ls, 0, 1)) // max(x) + log p(x₀)
	if err := g.Backward(loss); err != nil {
		log.Fatal(err)
	}
	show := func(t backend.Tensor) []float32 {
		v, err := backend.ToHost(b, t)
		if err != nil {
			log.Fatal(err)
		}
		return v
	}
	fmt.Printf("log-softmax %.4f\n", show(ls.Tensor()))
	fmt.Printf("gradient    %.4f\n", show(x.Grad()))
	// Output:
	// log-softmax [-2.7586 -0.7586 -0.7586]
	// gradient    [0.9366 0.5317 -0.4683]
}
