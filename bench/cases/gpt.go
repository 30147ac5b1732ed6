package cases

import (
	"fmt"

	"gltrain/backend"
	"gltrain/nn"
)

// gptStep is one AdamW training step (lr 1e-3, weight decay 0.1 on the
// blocks' matrices, as nanoGPT) of the default GPT of `train -model=gpt`
// (4 blocks of 4 heads, 128 wide, ctx 128, 256 tokens) on a resident batch
// of batch sequences of random bytes, as bench/pytorch/bench.py's
// setup_gpt. Its samples are tokens (tokens/s), its FLOPs nanoGPT's
// estimate a token, 6·params + 12·layers·ctx·embd.
func gptStep(batch int, quick bool) Case {
	c := nn.DefaultGPTConfig()
	tokens := batch * c.Ctx
	perToken := 6*float64(c.Params()) + 12*float64(c.Layers*c.Ctx*c.Embd)
	return Case{
		Op: "TrainStep", Shape: fmt.Sprintf("gpt-%dx%d-ctx%d/b%d", c.Layers, c.Embd, c.Ctx, batch), Quick: quick,
		Work: Work{FLOPs: perToken * float64(tokens), Samples: float64(tokens)},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			model, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 1)
			if err != nil {
				return nil, nil, err
			}
			opt, err := nn.NewOptimizerDecay("adamw", b, model.Parameters(), 1e-3, 0.1, 0, nn.DecayMatrices(model))
			if err != nil {
				model.Release()
				return nil, nil, err
			}
			ids, next := make([]float32, tokens), make([]float32, tokens)
			r := backend.NewRand(3)
			for i := range ids {
				ids[i] = float32(r.IntN(c.Vocab))
			}
			for i := range next {
				next[i] = ids[(i+1)%tokens]
			}
			return optimizerStep(b, model, opt, shape(tokens, 1), ids, next)
		},
	}
}
