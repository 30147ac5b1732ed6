package nn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gltrain/autograd"
	"gltrain/backend"
)

// GPTConfig is the shape of a GPT: nanoGPT's GPTConfig.
type GPTConfig struct {
	Vocab  int `json:"vocab"`  // tokens: 256 for bytes
	Ctx    int `json:"ctx"`    // the longest sequence, nanoGPT's block_size
	Layers int `json:"layers"` // transformer blocks
	Heads  int `json:"heads"`  // attention heads a block
	Embd   int `json:"embd"`   // the residual stream's width, a multiple of Heads
}

// DefaultGPTConfig is the byte-level model `train -model=gpt` trains: 4
// blocks of 4 heads, 128 wide, over 128 bytes of context (about 0.8 M
// parameters).
func DefaultGPTConfig() GPTConfig {
	return GPTConfig{Vocab: 256, Ctx: 128, Layers: 4, Heads: 4, Embd: 128}
}

// MaxGPTCtx bounds a GPT's context: the attention materialises the T×T
// scores of each head and sequence (see autograd's CausalSelfAttention).
const MaxGPTCtx = 1024

// Check reports the first thing wrong with c.
func (c GPTConfig) Check() error {
	switch {
	case c.Vocab < 1 || c.Vocab > 1<<20:
		return fmt.Errorf("gpt: vocab %d: want 1 … %d", c.Vocab, 1<<20)
	case c.Ctx < 1 || c.Ctx > MaxGPTCtx:
		return fmt.Errorf("gpt: ctx %d: want 1 … %d (the attention keeps ctx² scores a head)", c.Ctx, MaxGPTCtx)
	case c.Layers < 1 || c.Layers > 256:
		return fmt.Errorf("gpt: layers %d: want 1 … 256", c.Layers)
	case c.Heads < 1 || c.Embd < 1 || c.Embd > 1<<14:
		return fmt.Errorf("gpt: %d heads, embd %d: want at least 1 head, embd 1 … %d", c.Heads, c.Embd, 1<<14)
	case c.Embd%c.Heads != 0:
		return fmt.Errorf("gpt: embd %d is not a multiple of heads %d", c.Embd, c.Heads)
	}
	return nil
}

// Params returns the number of parameters (the tied head counted once).
func (c GPTConfig) Params() int {
	e := c.Embd
	block := 2*2*e + (e*3*e + 3*e) + (e*e + e) + (e*4*e + 4*e) + (4*e*e + e)
	return c.Vocab*e + c.Ctx*e + c.Layers*block + 2*e
}

// footprint is Spec.Params for a GPT: its parameters, and the widths a
// token's activations hold in a training step (the residual stream, the
// LayerNorms, q/k/v, the attention output and the MLP's 4·Embd before and
// after GELU, each block; T scores a head; the logits).
func (c GPTConfig) footprint() (params, widths float64) {
	e := float64(c.Embd)
	block := 2*e + 3*e + e + e + e + 2*4*e + e + float64(c.Heads)*float64(c.Ctx)
	return float64(c.Params()), 2*e + float64(c.Layers)*block + e + float64(c.Vocab)
}

// String is the configuration as ParseGPTConfig reads it.
func (c GPTConfig) String() string {
	return fmt.Sprintf("gpt:layers=%d,heads=%d,embd=%d,ctx=%d,vocab=%d", c.Layers, c.Heads, c.Embd, c.Ctx, c.Vocab)
}

// ParseGPTConfig reads "gpt" or "gpt:key=value,…" with keys layers, heads,
// embd, ctx and vocab; a key left out keeps DefaultGPTConfig's value.
func ParseGPTConfig(s string) (GPTConfig, error) {
	c := DefaultGPTConfig()
	name, rest, _ := strings.Cut(s, ":")
	if name != "gpt" {
		return c, fmt.Errorf("model %q: want gpt or gpt:layers=N,heads=N,embd=N,ctx=N", excerptString(s))
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(rest, ",") {
		if kv == "" && rest == "" {
			break
		}
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return c, fmt.Errorf("model %q: %q: want key=integer", excerptString(s), excerptString(kv))
		}
		if seen[k] {
			return c, fmt.Errorf("model %q: %s given twice", excerptString(s), k)
		}
		seen[k] = true
		switch k {
		case "layers":
			c.Layers = n
		case "heads":
			c.Heads = n
		case "embd":
			c.Embd = n
		case "ctx":
			c.Ctx = n
		case "vocab":
			c.Vocab = n
		default:
			return c, fmt.Errorf("model %q: unknown key %q (want layers, heads, embd, ctx or vocab)", excerptString(s), excerptString(k))
		}
	}
	return c, c.Check()
}

// excerptString quotes at most 40 bytes of s.
func excerptString(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// GPTBlock is one pre-LayerNorm transformer block, nanoGPT's Block:
//
//	x = x + attn(ln_1(x))
//	x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))
type GPTBlock struct {
	Ln1, Ln2 *LayerNorm
	Attn     *CausalSelfAttention
	Fc, Proj *Linear // mlp.c_fc (Embd → 4·Embd), mlp.c_proj (4·Embd → Embd)
}

// GPT is nanoGPT's model: token and learned position embeddings, Layers
// pre-LayerNorm blocks, a final LayerNorm and an output head tied to the
// token embedding (logits = x·wteᵀ). Its input is token ids, one a row
// stored as a float (a model of 1 input): B sequences of T tokens as B·T
// rows, T = Ctx, or fewer rows than Ctx as one sequence (a prompt). Its
// output is the B·T×Vocab logits of each next token.
//
// Its parameters are named as nanoGPT's state_dict names them
// ("transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", …), and
// a checkpoint holds the tied head under "lm_head.weight" too, so that
// nanoGPT's GPT loads it with load_state_dict(strict=True). Declare it
// with its Config, &GPT{Config: c}, and NewModel(b, gpt, 1, seed) builds it
// with nanoGPT's initialisation: every Linear weight and both embeddings
// from N(0, 0.02²), the blocks' output projections (attn.c_proj,
// mlp.c_proj) from N(0, (0.02/√(2·Layers))²), biases 0, LayerNorms 1 and
// 0. The backend must implement backend.Normalizer, BatchedMatMuler and
// CausalSoftmaxer (both built-in backends do).
type GPT struct {
	Config   GPTConfig
	Wte, Wpe *Embedding // transformer.wte (Vocab×Embd), transformer.wpe (Ctx×Embd)
	Blocks   []*GPTBlock
	LnF      *LayerNorm

	// pos holds the position ids of each batch shape met, by rows, on the
	// device (row i: i mod T): uploaded once a shape, not every step, and
	// kept while any graph may still read them; Model.Release frees them.
	// A shape is B·Ctx rows or a prompt of fewer, so they are few and small.
	pos map[int]backend.Tensor
}

var _ selfBuilder = (*GPT)(nil)

// gptStd is nanoGPT's initial standard deviation.
const gptStd = 0.02

func (m *GPT) buildLayer(bd *builder, in int, prefix string) (int, error) {
	c := m.Config
	fail := func(err error) (int, error) { return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err) }
	switch {
	case bd.img != nil || in != 1:
		return fail(fmt.Errorf("gpt takes one token id a row, and its input is %d values", in))
	case m.Wte != nil:
		return fail(errors.New("gpt: already built (build a new GPT for each model)"))
	}
	if err := c.Check(); err != nil {
		return fail(err)
	}
	e := c.Embd
	normal := func(std float64, in int) *Init { return &Init{Dist: HeNormal, Gain: std * math.Sqrt(float64(in))} }
	proj := gptStd / math.Sqrt(2*float64(c.Layers))
	m.Wte = &Embedding{Vocab: c.Vocab, Dim: e, std: gptStd}
	m.Wpe = &Embedding{Vocab: c.Ctx, Dim: e, std: gptStd}
	if _, err := bd.module(m.Wte, 1, prefix+"transformer.wte.", nil); err != nil {
		return 0, err
	}
	if _, err := bd.module(m.Wpe, 1, prefix+"transformer.wpe.", nil); err != nil {
		return 0, err
	}
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("%stransformer.h.%d.", prefix, l)
		bl := &GPTBlock{
			Ln1: &LayerNorm{}, Ln2: &LayerNorm{},
			Attn: &CausalSelfAttention{Embd: e, Heads: c.Heads, Ctx: c.Ctx,
				CAttn: &Linear{Out: 3 * e, Init: normal(gptStd, e)}, CProj: &Linear{Out: e, Init: normal(proj, e)}},
			Fc:   &Linear{Out: 4 * e, Init: normal(gptStd, e)},
			Proj: &Linear{Out: e, Init: normal(proj, 4*e)},
		}
		m.Blocks = append(m.Blocks, bl)
		for _, s := range []struct {
			mod    Module
			in     int
			prefix string
		}{{bl.Ln1, e, "ln_1."}, {bl.Attn, e, "attn."}, {bl.Ln2, e, "ln_2."}, {bl.Fc, e, "mlp.c_fc."}, {bl.Proj, 4 * e, "mlp.c_proj."}} {
			if _, err := bd.module(s.mod, s.in, p+s.prefix, nil); err != nil {
				return 0, err
			}
		}
	}
	m.LnF = &LayerNorm{}
	if _, err := bd.module(m.LnF, e, prefix+"transformer.ln_f.", nil); err != nil {
		return 0, err
	}
	return c.Vocab, nil
}

// Parameters returns the parameters in nanoGPT's state_dict order (the
// tied head is Wte's weight, not listed again).
func (m *GPT) Parameters() []*autograd.Value {
	if m == nil || m.Wte == nil {
		return nil
	}
	ps := append(m.Wte.Parameters(), m.Wpe.Parameters()...)
	for _, bl := range m.Blocks {
		for _, mod := range []Module{bl.Ln1, bl.Attn, bl.Ln2, bl.Fc, bl.Proj} {
			ps = append(ps, mod.Parameters()...)
		}
	}
	return append(ps, m.LnF.Parameters()...)
}

// Matrices returns the parameters AdamW's weight decay applies to, as
// nanoGPT's configure_optimizers chooses them: the Linear weights, not
// the biases, LayerNorms or embeddings.
func (m *GPT) Matrices() []*autograd.Value {
	var ps []*autograd.Value
	for _, bl := range m.Blocks {
		ps = append(ps, bl.Attn.CAttn.Weight, bl.Attn.CProj.Weight, bl.Fc.Weight, bl.Proj.Weight)
	}
	return ps
}

// SetTraining switches the attention dropout of every block.
func (m *GPT) SetTraining(training bool) {
	for _, bl := range m.Blocks {
		bl.Attn.SetTraining(training)
	}
}

// Forward computes the logits of the next token after each of ids.
func (m *GPT) Forward(g *autograd.Graph, ids *autograd.Value) *autograd.Value {
	if m == nil || m.Wte == nil || m.Wte.Weight == nil {
		return g.Fail(errors.New("nn: gpt: not built (NewModel builds it)"))
	}
	rows, ctx := ids.Shape().Rows, m.Config.Ctx
	T := ctx
	if rows < ctx {
		T = rows
	}
	if rows < 1 || rows%T != 0 {
		return g.Fail(fmt.Errorf("nn: gpt: %d token rows: want whole sequences of ctx %d rows, or fewer rows as one sequence: %w", rows, ctx, backend.ErrShape))
	}
	pt, ok := m.pos[rows] // rows fix T: Ctx, or rows itself below it
	if !ok {
		ids := make([]float32, rows)
		for i := range ids {
			ids[i] = float32(i % T)
		}
		t, err := backend.FromData(g.Backend(), backend.Shape{Rows: rows, Cols: 1}, ids)
		if err != nil {
			return g.Fail(fmt.Errorf("nn: gpt: position ids: %w", err))
		}
		if m.pos == nil {
			m.pos = map[int]backend.Tensor{}
		}
		m.pos[rows], pt = t, t
	}
	eps := float32(backend.LayerNormEps)
	pos := g.Input(pt)
	x := g.Add(m.Wte.Forward(g, ids), m.Wpe.Forward(g, pos))
	for _, bl := range m.Blocks {
		x = g.Add(x, bl.Attn.ForwardSeq(g, g.LayerNorm(eps, x, bl.Ln1.Weight, bl.Ln1.Bias), T))
		h := g.LayerNorm(eps, x, bl.Ln2.Weight, bl.Ln2.Bias)
		h = g.Linear(h, bl.Fc.Weight, bl.Fc.Bias, GELU)
		x = g.Add(x, g.Linear(h, bl.Proj.Weight, bl.Proj.Bias, Identity))
	}
	x = g.LayerNorm(eps, x, m.LnF.Weight, m.LnF.Bias)
	return g.MatMulT(false, true, x, m.Wte.Weight)
}

func (m *GPT) describe() string { return m.Config.String() }

// spec is not used: SpecOf saves a GPT as the whole network (Spec.GPT),
// and specOf refuses one inside another module.
func (m *GPT) spec() LayerSpec { return LayerSpec{Type: "gpt"} }

// gptTiedHead is the name the tied output head is saved under, beside
// transformer.wte.weight, as nanoGPT's state_dict lists it.
const gptTiedHead = "lm_head.weight"

// gptNetwork declares the GPT a spec of Net "gpt" describes.
func gptNetwork(s Spec, params func(name string, saved []int)) (Module, error) {
	if s.GPT == nil {
		return nil, errors.New("net gpt: no gpt config")
	}
	c := *s.GPT
	if err := c.Check(); err != nil {
		return nil, err
	}
	if s.Inputs != 1 || s.Outputs != c.Vocab {
		return nil, fmt.Errorf("gpt: %d inputs to %d outputs: want 1 (a token id) to %d (vocab)", s.Inputs, s.Outputs, c.Vocab)
	}
	e := c.Embd
	params("transformer.wte.weight", []int{c.Vocab, e})
	params("transformer.wpe.weight", []int{c.Ctx, e})
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("transformer.h.%d.", l)
		for _, d := range []struct {
			name  string
			shape []int
		}{{"ln_1.weight", []int{e}}, {"ln_1.bias", []int{e}},
			{"attn.c_attn.weight", []int{3 * e, e}}, {"attn.c_attn.bias", []int{3 * e}},
			{"attn.c_proj.weight", []int{e, e}}, {"attn.c_proj.bias", []int{e}},
			{"ln_2.weight", []int{e}}, {"ln_2.bias", []int{e}},
			{"mlp.c_fc.weight", []int{4 * e, e}}, {"mlp.c_fc.bias", []int{4 * e}},
			{"mlp.c_proj.weight", []int{e, 4 * e}}, {"mlp.c_proj.bias", []int{e}}} {
			params(p+d.name, d.shape)
		}
	}
	params("transformer.ln_f.weight", []int{e})
	params("transformer.ln_f.bias", []int{e})
	return &GPT{Config: c}, nil
}

// releasePositions frees the device copies of the position ids.
func (m *GPT) releasePositions(b backend.Backend) error {
	if m == nil {
		return nil
	}
	var errs []error
	for _, t := range m.pos {
		errs = append(errs, b.Release(t))
	}
	m.pos = nil
	return errors.Join(errs...)
}

// tiedHead returns, for a model whose network is a GPT, the tied head as
// nanoGPT's state_dict lists it: lm_head.weight, a copy of
// transformer.wte.weight among state (nil for any other model).
func (m *Model) tiedHead(state []NamedTensor) []NamedTensor {
	gp, ok := m.Net.(*GPT)
	if !ok || gp.Wte == nil || gp.Wte.Weight == nil {
		return nil
	}
	for _, t := range state {
		if t.Name == gp.Wte.Weight.Name() {
			return []NamedTensor{{Name: gptTiedHead, Shape: t.Shape, Data: t.Data}}
		}
	}
	return nil
}

// untieHead removes lm_head.weight from the state of a GPT after checking
// that it is the token embedding's copy: gltrain ties them, as nanoGPT
// does, and a file whose head differs is refused, not half loaded.
func (m *Model) untieHead(state []NamedTensor) ([]NamedTensor, error) {
	gp, ok := m.Net.(*GPT)
	if !ok || gp.Wte == nil || gp.Wte.Weight == nil {
		return state, nil
	}
	return untieHead(state, gp.Wte.Weight.Name())
}

// untieHead removes lm_head.weight from state after checking that it
// equals the tensor called wte.
func untieHead(state []NamedTensor, wte string) ([]NamedTensor, error) {
	var head, emb *NamedTensor
	out := make([]NamedTensor, 0, len(state))
	for i := range state {
		switch state[i].Name {
		case gptTiedHead:
			head = &state[i]
			continue
		case wte:
			emb = &state[i]
		}
		out = append(out, state[i])
	}
	if head != nil && emb != nil && (!slices.Equal(head.Shape, emb.Shape) || !slices.Equal(head.Data, emb.Data)) {
		return nil, fmt.Errorf("%s differs from %s: the model ties its output head to the token embedding", gptTiedHead, wte)
	}
	return out, nil
}
