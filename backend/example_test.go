package backend_test

import (
	"fmt"

	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"; import gltrain/backend/gl for "gl"
)

// The notes' linear score function f = x·W + b on the CPU backend: tensors
// are uploaded, computed on the device and downloaded at the end.
func ExampleOpen() {
	b, err := backend.Open("cpu")
	if err != nil {
		panic(err)
	}
	defer b.Close()
	x, _ := backend.FromData(b, backend.Shape{Rows: 1, Cols: 3}, []float32{1, -1, 2})
	w, _ := backend.FromData(b, backend.Shape{Rows: 3, Cols: 2}, []float32{0.5, 1, 2, -1, 1, 3})
	bias, _ := backend.FromData(b, backend.Shape{Rows: 1, Cols: 2}, []float32{0.25, -8})
	scores, _ := b.New(backend.Shape{Rows: 1, Cols: 2})
	if err := b.MatMul(backend.NoTrans, backend.NoTrans, 1, x, w, 0, scores); err != nil {
		panic(err)
	}
	if err := b.AddBias(scores, scores, bias); err != nil {
		panic(err)
	}
	out, _ := backend.ToHost(b, scores)
	fmt.Println(out)
	// A shape mismatch is an error naming the operation and the shapes.
	fmt.Println(b.MatMul(backend.NoTrans, backend.NoTrans, 1, w, w, 0, scores))
	// Output:
	// [0.75 0]
	// matmul: op(a) 3×2 × op(b) 3×2: inner dimensions differ: shape mismatch
}
