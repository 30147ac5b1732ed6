package nn

import (
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

var _ selfBuilder = (*CausalSelfAttention)(nil)

// CausalSelfAttention is nanoGPT's causal multi-head self-attention layer
// on sequences of Ctx positions of Embd features, the rows of its input
// taken Ctx at a time as one sequence (a batch of B sequences is
// (B·Ctx)×Embd, as in llm.c; fewer rows than Ctx are one sequence):
//
//	qkv = x·c_attn + b          (Embd → 3·Embd: queries, keys, values)
//	y   = attention(qkv)        (autograd's CausalSelfAttention, Heads heads)
//	out = y·c_proj + b          (Embd → Embd)
//
// Its parameters are named as nanoGPT's: c_attn.weight (3·Embd, Embd),
// c_attn.bias, c_proj.weight (Embd, Embd) and c_proj.bias, under the
// layer's place ("0.c_attn.weight" first in a Sequential), so that
// PyTorch's module loads them with strict=True. NewModel builds CAttn and
// CProj (Linear layers with the default initialiser) when they are nil,
// and checks that Embd is the width before the layer and a multiple of
// Heads, and Ctx at most backend.MaxAttentionContext.
//
// P is the attention dropout (nanoGPT's attn_dropout; its resid_dropout is
// a Dropout layer after this one), applied while training as Dropout's is:
// the mask is drawn on the host from (Seed, the call count) and uploaded,
// so a seed gives the same masks on every backend; NewModel sets a zero
// Seed from the model's seed. The T×T scores are materialised
// (autograd.Graph.CausalSelfAttention says what that costs). The backend
// must implement backend.BatchedMatMuler and backend.CausalSoftmaxer.
type CausalSelfAttention struct {
	Embd, Heads, Ctx int
	P                float64
	Seed             uint64
	CAttn, CProj     *Linear
	training         bool
	calls            uint64 // training forwards so far
	host             []float32
}

// Forward computes the attention of x, rows of whole sequences of Ctx
// positions; fewer than Ctx rows are one shorter sequence (a prompt).
func (l *CausalSelfAttention) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if rows := x.Shape().Rows; rows < l.Ctx && rows > 0 {
		return l.ForwardSeq(g, x, rows)
	}
	return l.ForwardSeq(g, x, l.Ctx)
}

// ForwardSeq is Forward on sequences of T positions, 1 ≤ T ≤ Ctx (a
// prompt shorter than the context): x's rows are taken T at a time.
func (l *CausalSelfAttention) ForwardSeq(g *autograd.Graph, x *autograd.Value, T int) *autograd.Value {
	const op = "nn: causal self-attention"
	switch {
	case l.CAttn == nil || l.CProj == nil:
		return g.Fail(fmt.Errorf("%s: the layer is not built (NewModel builds it)", op))
	case T < 1 || T > l.Ctx:
		return g.Fail(fmt.Errorf("%s: sequences of %d positions: want 1 … %d (Ctx): %w", op, T, l.Ctx, backend.ErrInvalidArgument))
	case x.Shape().Rows%T != 0:
		return g.Fail(fmt.Errorf("%s: input %v: want whole sequences of %d rows: %w", op, x.Shape(), T, backend.ErrShape))
	}
	batch := x.Shape().Rows / T
	var mask *autograd.Value
	if l.P > 0 && trainingPass(g, l.training) && g.Err() == nil {
		n := batch * l.Heads * T * T
		if cap(l.host) < n {
			l.host = make([]float32, n)
		}
		l.host = l.host[:n]
		dropoutMask(l.host, l.P, l.Seed, l.calls)
		l.calls++
		mask = g.Constant(backend.Shape{Rows: batch * l.Heads * T, Cols: T}, l.host)
	}
	y := g.CausalSelfAttentionDropout(l.CAttn.Forward(g, x), mask, batch, T, l.Heads)
	return l.CProj.Forward(g, y)
}

// trainingPass reports whether a forward pass on g is a training one: the
// graph's mode, or the layer's own (training) on a graph that leaves it to
// the layer (Dropout's rule).
func trainingPass(g *autograd.Graph, training bool) bool {
	switch g.Mode() {
	case autograd.ModeTrain:
		return true
	case autograd.ModeEval:
		return false
	}
	return training
}

// SetTraining switches attention dropout on (training) or off on graphs
// that leave the mode to the layer (autograd.ModeDefault).
func (l *CausalSelfAttention) SetTraining(training bool) { l.training = training }

// Parameters returns c_attn's weight and bias, then c_proj's (none before
// the layer is built).
func (l *CausalSelfAttention) Parameters() []*autograd.Value {
	var ps []*autograd.Value
	for _, lin := range []*Linear{l.CAttn, l.CProj} {
		if lin != nil {
			ps = append(ps, lin.Parameters()...)
		}
	}
	return ps
}

// NewCausalSelfAttention creates the layer on b with its parameters at
// once, for a module of one's own (NewModel builds those of a Sequential):
// c_attn and c_proj drawn by init from seed (c_proj from the next seed),
// biases zero, named prefix+"c_attn.weight" and so on (NewModel renames
// them by the layer's place).
func NewCausalSelfAttention(b backend.Backend, embd, heads, ctx int, init Init, seed uint64, prefix string) (*CausalSelfAttention, error) {
	l := &CausalSelfAttention{Embd: embd, Heads: heads, Ctx: ctx}
	if err := l.check(embd); err != nil {
		return nil, fmt.Errorf("nn: causal self-attention: %w", err)
	}
	var err error
	if l.CAttn, err = NewLinear(b, embd, 3*embd, init, seed, prefix+"c_attn."); err != nil {
		return nil, err
	}
	if l.CProj, err = NewLinear(b, embd, embd, init, seed+1, prefix+"c_proj."); err != nil {
		for _, p := range l.CAttn.Parameters() {
			b.Release(p.Tensor())
		}
		return nil, err
	}
	return l, nil
}

// check validates the geometry for an input of width in.
func (l *CausalSelfAttention) check(in int) error {
	switch {
	case l.Embd != in:
		return fmt.Errorf("Embd %d, but the width before it is %d", l.Embd, in)
	case l.Heads < 1 || l.Embd%l.Heads != 0:
		return fmt.Errorf("%d features in %d heads: want Embd a multiple of Heads ≥ 1", l.Embd, l.Heads)
	case l.Ctx < 1 || l.Ctx > backend.MaxAttentionContext:
		return fmt.Errorf("context %d: want 1 … %d (the scores are materialised, T² floats a head)", l.Ctx, backend.MaxAttentionContext)
	case l.Embd/l.Heads > backend.MaxBatchedK:
		return fmt.Errorf("head size %d: at most %d", l.Embd/l.Heads, backend.MaxBatchedK)
	case !validDropout(l.P):
		return fmt.Errorf("dropout probability %v: want 0 ≤ p < 1", l.P)
	}
	return nil
}

func (l *CausalSelfAttention) buildLayer(bd *builder, in int, prefix string) (int, error) {
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("nn: layer %s: causal self-attention: %s", layerName(prefix), fmt.Sprintf(format, args...))
	}
	if bd.img != nil {
		return fail("its input is images of %v: it takes rows of features", *bd.img)
	}
	if err := l.check(in); err != nil {
		return fail("%v", err)
	}
	if l.CAttn == nil {
		l.CAttn = &Linear{Out: 3 * in}
	}
	if l.CProj == nil {
		l.CProj = &Linear{Out: in}
	}
	if l.CAttn.Out != 3*in || l.CProj.Out != in {
		return fail("c_attn %d→%d and c_proj %d→%d: want %d→%d and %d→%d", l.CAttn.In, l.CAttn.Out, l.CProj.In, l.CProj.Out, in, 3*in, in, in)
	}
	if _, err := bd.linear(l.CAttn, in, prefix+"c_attn.", nil); err != nil {
		return 0, err
	}
	if _, err := bd.linear(l.CProj, in, prefix+"c_proj.", nil); err != nil {
		return 0, err
	}
	if l.Seed == 0 {
		l.Seed = paramSeed(bd.seed^0xd50f0a7d3c1e5b29, bd.dropouts)
	}
	bd.dropouts++
	return in, nil
}

// nameParams names the parameters as nanoGPT's, c_attn.weight, …, under
// prefix, for a module of the caller's own that holds the layer (nameOwn).
func (l *CausalSelfAttention) nameParams(n *namer, prefix string, depth int) error {
	for _, s := range []struct {
		name string
		l    *Linear
	}{{"c_attn.", l.CAttn}, {"c_proj.", l.CProj}} {
		if s.l != nil {
			if err := n.module(s.l, prefix+s.name, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *CausalSelfAttention) describe() string {
	return fmt.Sprintf("-attention %d heads ctx %d", l.Heads, l.Ctx)
}

// spec is the layer spec "causal_self_attention": In is Embd; Params holds
// heads and ctx.
func (l *CausalSelfAttention) spec() LayerSpec {
	return LayerSpec{Type: "causal_self_attention", In: l.Embd, P: l.P, Seed: l.Seed,
		Params: map[string]float32{"heads": float32(l.Heads), "ctx": float32(l.Ctx)}}
}

// attentionSpecModule declares the layer s describes (specModule's case),
// listing its parameters' names and saved shapes.
func attentionSpecModule(s LayerSpec, in int, path string, params func(name string, saved []int)) (Module, int, error) {
	heads, ctx := s.Params["heads"], s.Params["ctx"]
	l := &CausalSelfAttention{Embd: s.In, Heads: int(heads), Ctx: int(ctx), P: s.P, Seed: s.Seed}
	switch {
	case s.In != in || s.In < 1:
		return nil, 0, fmt.Errorf("layer %s (causal_self_attention): Embd %d after a layer of width %d", path, s.In, in)
	case float32(l.Heads) != heads || l.Heads < 1 || s.In%l.Heads != 0 || len(s.Params) != 2:
		return nil, 0, fmt.Errorf("layer %s (causal_self_attention): params %v: want heads dividing Embd %d, and ctx", path, s.Params, s.In)
	case float32(l.Ctx) != ctx || l.Ctx < 1 || l.Ctx > backend.MaxAttentionContext:
		return nil, 0, fmt.Errorf("layer %s (causal_self_attention): context %v: want 1 … %d", path, ctx, backend.MaxAttentionContext)
	case !validDropout(s.P):
		return nil, 0, fmt.Errorf("layer %s (causal_self_attention): dropout probability %v: want 0 ≤ p < 1", path, s.P)
	}
	for _, p := range []struct {
		name     string
		out, inp int
	}{{"c_attn", 3 * in, in}, {"c_proj", in, in}} {
		params(path+"."+p.name+".weight", []int{p.out, p.inp})
		params(path+"."+p.name+".bias", []int{p.out})
	}
	return l, in, nil
}
