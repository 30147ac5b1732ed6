package nn_test

import (
	"fmt"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// Generation from a (here untrained) byte-level GPT: a Generator keeps the
// keys and values of the window on the device, so each token after the
// prompt is one row through the model, and a Sampler draws from the
// logits as nanoGPT does. When the context of 16 is full, half of it
// slides out and the rest is run through again.
func ExampleGenerator() {
	b := cpu.New()
	defer b.Close()
	m, err := nn.NewModel(b, &nn.GPT{Config: nn.GPTConfig{Vocab: 256, Ctx: 16, Layers: 2, Heads: 2, Embd: 16}}, 1, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Release()
	gen, err := nn.NewGenerator(m, 0) // 0: slide by half the context
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gen.Release()
	s, err := nn.NewSampler(0.8, 40, 1) // temperature 0.8, top-40, seed 1
	if err != nil {
		fmt.Println(err)
		return
	}
	prompt := []int{'h', 'i'}
	out, err := gen.Generate(prompt, 30, s, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out), "tokens drawn;", "window", len(gen.Window()), "tokens;", "rows run", gen.Rows())
	// Output:
	// 30 tokens drawn; window 15 tokens; rows run 47
}
