package nn_test

import (
	"fmt"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// A token classifier: ids to vectors, normalised, then a Linear; and a
// small CNN ending in global average pooling. The layers take their sizes
// from the layers before them.
func ExampleLayerNorm() {
	b := cpu.New()
	tokens, err := nn.NewModel(b, nn.Seq(&nn.Embedding{Vocab: 100, Dim: 16}, &nn.LayerNorm{}, &nn.Linear{Out: 4}), 1, 1)
	if err != nil {
		panic(err)
	}
	defer tokens.Release()
	fmt.Println(tokens)
	cnn, err := nn.NewImageModel(b, nn.Seq(&nn.Conv2D{Out: 8, KH: 3}, nn.Act(nn.ReLU), &nn.AvgPool2D{KH: 2}, &nn.GlobalAvgPool{}, &nn.Linear{Out: 10}),
		nn.Image{C: 1, H: 28, W: 28}, 1)
	if err != nil {
		panic(err)
	}
	defer cnn.Release()
	fmt.Println(cnn)
	// Output:
	// 1-embedding 100×16-layernorm-4
	// 784-conv 8@3×3 relu-avgpool 2×2-gap-10
}
