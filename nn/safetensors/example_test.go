package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gltrain/nn/safetensors"
)

// Save a checkpoint and load it back.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "checkpoint")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	err = safetensors.WriteFile(path, []safetensors.Tensor{
		{Name: "fc1.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "fc1.bias", Shape: []int{3}, Data: []float32{0.5, 0, -0.5}},
	}, map[string]string{"step": "100"})
	if err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.Shape, t.Data)
	}
	w, _ := f.Lookup("fc1.weight")
	fmt.Println("w[1][2] =", w.Data[1*3+2])
	fmt.Println("step", f.Metadata["step"])
	// Output:
	// fc1.bias [3] [0.5 0 -0.5]
	// fc1.weight [2 3] [1 2 3 4 5 6]
	// w[1][2] = 6
	// step 100
}
