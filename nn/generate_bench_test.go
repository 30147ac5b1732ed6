package nn_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// BenchmarkGenerate times generation at the default GPT (4 blocks of 4
// heads, embd 128, ctx 128) on each backend, an op being the 127 tokens
// after a one-token prompt (a whole context, no slide), reported in
// tokens/s: with the KV cache (nn.Generator), and without, as nanoGPT's
// generate() runs, a Forward over the whole window for each token. Both
// download the logits row of each token; the sampling (on the host, the
// same for both) is left out.
func BenchmarkGenerate(b *testing.B) {
	c := nn.DefaultGPTConfig()
	const name = "/gpt-4x128-ctx128"
	toks := func(i int) int { return (i*37 + 11) % c.Vocab }
	for _, be := range backend.Names() {
		b.Run(be+name+"/cache", func(b *testing.B) {
			m := benchGPT(b, be, c)
			gen, err := nn.NewGenerator(m, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer gen.Release()
			b.ResetTimer()
			for range b.N {
				if _, err := gen.Start([]int{toks(0)}); err != nil {
					b.Fatal(err)
				}
				for i := 1; i < c.Ctx; i++ {
					if _, err := gen.Next(toks(i)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(c.Ctx-1)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
		b.Run(be+name+"/no-cache", func(b *testing.B) {
			m := benchGPT(b, be, c)
			g := autograd.NewGraph(m.Backend())
			g.SetGrad(false)
			ids, host := make([]float32, c.Ctx), make([]float32, c.Ctx*c.Vocab)
			for i := range ids {
				ids[i] = float32(toks(i))
			}
			b.ResetTimer()
			for range b.N {
				for n := 1; n < c.Ctx; n++ {
					logits := m.Forward(g, g.Constant(backend.Shape{Rows: n, Cols: 1}, ids[:n]))
					if err := g.Err(); err != nil {
						b.Fatal(err)
					}
					// the last row, as the sampler would take it
					if err := m.Backend().Download(host[:n*c.Vocab], logits.Tensor()); err != nil {
						b.Fatal(err)
					}
					if err := g.Reset(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(c.Ctx-1)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func benchGPT(b *testing.B, be string, c nn.GPTConfig) *nn.Model {
	m, err := nn.NewModel(backendtest.Open(b, be), &nn.GPT{Config: c}, 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Release() })
	return m
}
