package nn

import (
	"errors"
	"math"

	"gltrain/backend"
)

// first keeps the first error of a sequence of backend calls.
type first struct{ err error }

func (f *first) do(err error) {
	if f.err == nil {
		f.err = err
	}
}

// step runs the token at window position t through the model, t ≥ 1, the
// cache holding positions 0 … t−1, and returns the logits after it.
func (gen *Generator) step(t int) ([]float32, error) {
	gp, b := gen.gpt, gen.b
	c := gp.Config
	e, hs := c.Embd, c.Embd/c.Heads
	eps, scale := float32(backend.LayerNormEps), float32(1/math.Sqrt(float64(hs)))
	ln, lf := b.(backend.Normalizer), b.(backend.LinearFuser)
	bm, sm := b.(backend.BatchedMatMuler), b.(backend.Softmaxer)
	var f first
	gen.ids[0], gen.ids[1] = float32(gen.window[t]), float32(t)
	f.do(b.Upload(gen.tok, gen.ids[:1]))
	f.do(b.Upload(gen.pos, gen.ids[1:2]))
	f.do(b.GatherRows(gen.y, gp.Wte.Weight.Tensor(), gen.tok))
	f.do(b.GatherRows(gen.a, gp.Wpe.Weight.Tensor(), gen.pos))
	f.do(b.Add(gen.x, gen.y, gen.a))
	heads := [2]int{1, c.Heads}
	for l, bl := range gp.Blocks {
		cache := gen.cache[l]
		f.do(ln.LayerNormForward(eps, gen.h, gen.stats, gen.x, bl.Ln1.Weight.Tensor(), bl.Ln1.Bias.Tensor()))
		f.do(lf.LinearForward(Identity, gen.qkv, nil, gen.h, bl.Attn.CAttn.Weight.Tensor(), bl.Attn.CAttn.Bias.Tensor()))
		f.do(b.CopyRows(cache, t, gen.qkv))
		// s_h = q_h·K_hᵀ/√hs over the cached rows 0 … t of head h's keys.
		f.do(bm.BatchedMatMul(backend.BatchedGemm{Batch: heads, M: 1, N: t + 1, K: hs, TransB: true, Alpha: scale},
			backend.Strided{T: gen.qkv, LD: 3 * e, Stride: [2]int{0, hs}},
			backend.Strided{T: cache, Offset: e, LD: 3 * e, Stride: [2]int{0, hs}},
			backend.Strided{T: gen.scores, LD: c.Ctx, Stride: [2]int{0, c.Ctx}}))
		f.do(sm.SoftmaxForward(gen.probs, gen.scores)) // columns > t are −Inf: 0
		// y_h = p_h·V_h, into head h's columns of y.
		f.do(bm.BatchedMatMul(backend.BatchedGemm{Batch: heads, M: 1, N: hs, K: t + 1, Alpha: 1},
			backend.Strided{T: gen.probs, LD: c.Ctx, Stride: [2]int{0, c.Ctx}},
			backend.Strided{T: cache, Offset: 2 * e, LD: 3 * e, Stride: [2]int{0, hs}},
			backend.Strided{T: gen.y, LD: e, Stride: [2]int{0, hs}}))
		f.do(lf.LinearForward(Identity, gen.a, nil, gen.y, bl.Attn.CProj.Weight.Tensor(), bl.Attn.CProj.Bias.Tensor()))
		f.do(b.Axpy(1, gen.a, gen.x)) // x + a, as GPT.Forward's Add rounds it
		f.do(ln.LayerNormForward(eps, gen.h, gen.stats, gen.x, bl.Ln2.Weight.Tensor(), bl.Ln2.Bias.Tensor()))
		f.do(lf.LinearForward(GELU, gen.mlp, nil, gen.h, bl.Fc.Weight.Tensor(), bl.Fc.Bias.Tensor()))
		f.do(lf.LinearForward(Identity, gen.a, nil, gen.mlp, bl.Proj.Weight.Tensor(), bl.Proj.Bias.Tensor()))
		f.do(b.Axpy(1, gen.a, gen.x))
	}
	if f.err != nil {
		return nil, gen.fail("step", f.err)
	}
	gen.rows++
	return gen.head()
}

// head computes the logits of the row in x, ln_f(x)·wteᵀ, and downloads
// them.
func (gen *Generator) head() ([]float32, error) {
	gp, b := gen.gpt, gen.b
	var f first
	f.do(b.(backend.Normalizer).LayerNormForward(float32(backend.LayerNormEps), gen.h, gen.stats, gen.x, gp.LnF.Weight.Tensor(), gp.LnF.Bias.Tensor()))
	f.do(b.MatMul(false, true, 1, gen.h, gp.Wte.Weight.Tensor(), 0, gen.logits))
	f.do(b.Download(gen.host, gen.logits))
	if f.err != nil {
		return nil, gen.fail("logits", f.err)
	}
	return gen.host, nil
}

// Release returns the generator's tensors to the backend; the generator
// must not be used afterwards (its calls then return an error). The model
// is untouched.
func (gen *Generator) Release() error {
	if gen == nil || gen.released {
		return nil
	}
	gen.released = true
	var errs []error
	for _, t := range append([]backend.Tensor{gen.x, gen.h, gen.a, gen.y, gen.stats, gen.qkv, gen.mlp,
		gen.scores, gen.probs, gen.logits, gen.tok, gen.pos}, gen.cache...) {
		if t != nil {
			errs = append(errs, gen.b.Release(t))
		}
	}
	errs = append(errs, gen.g.Reset())
	return errors.Join(errs...)
}
