package nn_test

import (
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/cpu"
	"gltrain/nn"
)

// A causal self-attention layer on two sequences of 4 positions of 8
// features: the rows of the input are taken Ctx at a time. Its parameters
// carry nanoGPT's names, and a position sees only those before it, so the
// output of a sequence's first position does not change when the later
// ones do.
func ExampleCausalSelfAttention() {
	b := cpu.New()
	defer b.Close()
	m, err := nn.NewModel(b, nn.Seq(&nn.CausalSelfAttention{Embd: 8, Heads: 2, Ctx: 4}), 8, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Release()
	for _, p := range m.Parameters() {
		fmt.Println(p.Name(), p.Shape())
	}
	first := func(x []float32) float32 {
		xt, _ := backend.FromData(b, backend.Shape{Rows: 8, Cols: 8}, x)
		defer b.Release(xt)
		g := autograd.NewGraph(b)
		defer g.Reset()
		y := m.Forward(g, g.Input(xt))
		out, _ := backend.ToHost(b, y.Tensor())
		fmt.Println("output", y.Shape())
		return out[0]
	}
	x := backend.NormalData(64, 2, 0, 1)
	before := first(x)
	x[8] += 1 // the second position of the first sequence
	fmt.Println("first position unchanged:", first(x) == before)
	// Output:
	// 0.c_attn.weight 8×24
	// 0.c_attn.bias 1×24
	// 0.c_proj.weight 8×8
	// 0.c_proj.bias 1×8
	// output 8×8
	// output 8×8
	// first position unchanged: true
}
