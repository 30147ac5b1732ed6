package autograd_test

import (
	"fmt"
	"log"

	"gltrain/autograd"
	"gltrain/backend"
)

// Causal self-attention of one sequence of 3 positions, 2 heads of 1
// feature, from its fused QKV rows (q₀ q₁ | k₀ k₁ | v₀ v₁). The first
// position sees only itself, so its output is its own values. The second's
// head 0 scores the keys 1 and 2 with its query 1: weights e¹/(e¹+e²) =
// 0.269 and 0.731 on the values 10 and 40. A query of 0 scores every key
// equally: the values' mean.
func ExampleGraph_CausalSelfAttention() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t, err := backend.FromData(b, backend.Shape{Rows: 3, Cols: 6}, []float32{
		1, 2, 1, 0, 10, 20,
		1, 0, 2, 0, 40, 50,
		0, 0, 3, 1, 70, 80,
	})
	if err != nil {
		log.Fatal(err)
	}
	g := autograd.NewGraph(b)
	defer g.Reset()
	y := g.CausalSelfAttention(g.Input(t), 1, 3, 2) // 1 sequence, T = 3, 2 heads
	out, err := backend.ToHost(b, y.Tensor())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(y.Shape())
	for i := 0; i < 3; i++ {
		fmt.Printf("position %d: %.5g %.5g\n", i, out[2*i], out[2*i+1])
	}
	// Output:
	// 3×2
	// position 0: 10 20
	// position 1: 31.932 35
	// position 2: 40 50
}
