package autograd_test

import (
	"fmt"
	"log"

	"gltrain/autograd"
	"gltrain/backend"
)

// The course notes' worked example: f = z·(x + y) at x = −2, y = 5, z = −4.
// The add node gives q = x + y = 3 and the multiply node f = q·z = −12.
// Backward seeds ∂f/∂f = 1; the multiply node passes ∂f/∂q = z = −4 and
// ∂f/∂z = q = 3; the add node's local gradients are 1, so x and y each
// receive −4. (The "cpu" backend is registered by importing
// gltrain/backend/cpu.)
func Example() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	param := func(name string, v float32) *autograd.Value {
		t, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: 1}, []float32{v})
		if err != nil {
			log.Fatal(err)
		}
		return autograd.NewParameter(b, name, t)
	}
	x, y, z := param("x", -2), param("y", 5), param("z", -4)

	g := autograd.NewGraph(b)
	q := g.Add(x, y)
	f := g.Mul(z, q)
	if err := g.Backward(f); err != nil {
		log.Fatal(err)
	}
	value := func(t backend.Tensor) float32 {
		v, err := backend.ToHost(b, t)
		if err != nil {
			log.Fatal(err)
		}
		return v[0]
	}
	fmt.Printf("q = %v, f = %v\n", value(q.Tensor()), value(f.Tensor()))
	fmt.Printf("∂f/∂x = %v, ∂f/∂y = %v, ∂f/∂z = %v\n", value(x.Grad()), value(y.Grad()), value(z.Grad()))
	if err := g.Reset(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// q = 3, f = -12
	// ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3
}
