// Generation from a GPT with a KV cache: a prompt is run through the model
// once (the prefill), keeping every layer's keys and values on the device;
// each new token then costs one pass over a single row.

package nn

import (
	"errors"
	"fmt"
	"math"

	"gltrain/autograd"
	"gltrain/backend"
)

// Generator runs a GPT one token at a time with a KV cache, nanoGPT's
// generate() without its recomputation of the whole window per token.
//
// Start runs the prompt through the model in one pass (the prefill), as
// GPT.Forward would, and keeps each layer's fused q/k/v rows in a cache of
// Ctx×3·Embd floats on the device (the query third is kept too: it is
// written by the row copy the backend already has, CopyRows, and costs a
// third more memory than the keys and values alone). Next appends a token
// at position t and computes one row: its q, k and v (written into the
// cache's row t), the attention of its query against the t+1 cached keys
// of each head (no mask: every cached position is ≤ t), softmax, ·V, the
// output projection, the MLP, the final LayerNorm and the logits of that
// row:
//
//	s_h = q_h·K_hᵀ/√hs   (1×(t+1), K_h the cache's rows 0…t of head h's keys)
//	y_h = softmax(s_h)·V_h
//
// The logits row (Vocab floats) is downloaded for the sampler: it is the
// only data that crosses to the host, with the token and position ids
// uploaded each step. After Start, no call allocates a device buffer: the
// cache and every intermediate are tensors of the generator, reused.
//
// When the window holds Ctx tokens and another comes, the model cannot
// see it at position Ctx (its position embedding has Ctx rows), and the
// cached keys and values depend on their positions, so they cannot be
// shifted: the generator drops the Slide oldest tokens and prefills the
// rest again. With Slide 1 the model always sees the last Ctx tokens,
// nanoGPT's idx[:, -block_size:] exactly, and every token past the context
// costs a pass over Ctx rows (as nanoGPT's generate costs for every
// token). A larger Slide trades context for speed: the window then holds
// between Ctx−Slide+1 and Ctx tokens, and a pass over Ctx−Slide+1 rows
// happens every Slide tokens, the others costing one row each.
//
// A Generator is not safe for concurrent use, and the model must not be
// trained while it is in use (it reads the parameters in place). Release
// returns its tensors.
type Generator struct {
	m     *Model
	gpt   *GPT
	b     backend.Backend
	slide int

	window []int            // the tokens whose keys and values are cached
	cache  []backend.Tensor // a layer's q/k/v rows, Ctx×3·Embd

	// one-row intermediates, reused by every step
	x, h, a, y     backend.Tensor // 1×Embd: residual, normalised, a branch's output, attention output
	stats          backend.Tensor // 1×2: LayerNorm's (μ, r), not used
	qkv            backend.Tensor // 1×3·Embd
	mlp            backend.Tensor // 1×4·Embd
	scores, probs  backend.Tensor // Heads×Ctx: one query's scores against the cache
	logits         backend.Tensor // 1×Vocab
	tok, pos       backend.Tensor // 1×1 ids
	host           []float32      // the logits row on the host
	ids, positions []float32      // a prefill's ids on the host
	g              *autograd.Graph
	rows           int // token rows run through the model since NewGenerator
	released       bool
}

// NewGenerator prepares generation from m, whose network must be a GPT, on
// m's backend, which must implement backend.LinearFuser, Normalizer,
// Softmaxer, BatchedMatMuler and CausalSoftmaxer (both built-in backends
// do). slide is the number of tokens dropped when the window is full (see
// Generator); 0 means Ctx/2 (at least 1), and 1 is nanoGPT's window. It
// allocates the cache, Layers·Ctx·3·Embd floats, and the one-row
// intermediates.
func NewGenerator(m *Model, slide int) (*Generator, error) {
	const op = "nn: generate"
	if m == nil {
		return nil, fmt.Errorf("%s: nil model: %w", op, backend.ErrInvalidArgument)
	}
	gp, ok := m.Net.(*GPT)
	if !ok || gp.Wte == nil || gp.Wte.Weight == nil {
		return nil, fmt.Errorf("%s: the model is %s, not a built GPT: %w", op, describeLayer(m.Net), backend.ErrInvalidArgument)
	}
	c := gp.Config
	if slide == 0 {
		slide = max(1, c.Ctx/2)
	}
	if slide < 1 || slide > c.Ctx {
		return nil, fmt.Errorf("%s: slide %d: want 1 … %d (ctx), or 0 for %d: %w", op, slide, c.Ctx, max(1, c.Ctx/2), backend.ErrInvalidArgument)
	}
	b := m.Backend()
	_, lf := b.(backend.LinearFuser)
	_, ln := b.(backend.Normalizer)
	_, sm := b.(backend.Softmaxer)
	_, bm := b.(backend.BatchedMatMuler)
	_, cs := b.(backend.CausalSoftmaxer)
	if !lf || !ln || !sm || !bm || !cs {
		return nil, fmt.Errorf("%s: backend %s lacks the fused linear, LayerNorm, softmax or batched matmul: %w", op, b.Name(), backend.ErrUnsupported)
	}
	gen := &Generator{m: m, gpt: gp, b: b, slide: slide, g: autograd.NewGraph(b),
		host: make([]float32, c.Vocab), ids: make([]float32, c.Ctx), positions: make([]float32, c.Ctx),
		window: make([]int, 0, c.Ctx)}
	gen.g.SetGrad(false)
	gen.g.SetMode(autograd.ModeEval)
	for i := range gen.positions {
		gen.positions[i] = float32(i)
	}
	e := c.Embd
	for _, t := range []struct {
		p    *backend.Tensor
		r, c int
	}{{&gen.x, 1, e}, {&gen.h, 1, e}, {&gen.a, 1, e}, {&gen.y, 1, e}, {&gen.stats, 1, 2},
		{&gen.qkv, 1, 3 * e}, {&gen.mlp, 1, 4 * e}, {&gen.scores, c.Heads, c.Ctx}, {&gen.probs, c.Heads, c.Ctx},
		{&gen.logits, 1, c.Vocab}, {&gen.tok, 1, 1}, {&gen.pos, 1, 1}} {
		var err error
		if *t.p, err = b.New(backend.Shape{Rows: t.r, Cols: t.c}); err != nil {
			return nil, errors.Join(fmt.Errorf("%s: %w", op, err), gen.Release())
		}
	}
	for range c.Layers {
		t, err := b.New(backend.Shape{Rows: c.Ctx, Cols: 3 * e})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("%s: the KV cache: %w", op, err), gen.Release())
		}
		gen.cache = append(gen.cache, t)
	}
	return gen, nil
}

// Slide is the number of tokens dropped when the window is full.
func (gen *Generator) Slide() int { return gen.slide }

// Window returns the tokens the next logits are conditioned on: the
// prompt's last Ctx tokens and those appended since, less the ones slid
// out. The slice is the generator's; it changes with the next call.
func (gen *Generator) Window() []int { return gen.window }

// Rows is the number of token rows run through the model since
// NewGenerator: a prefill counts its rows, a step one. A measure of work
// that does not depend on time.
func (gen *Generator) Rows() int { return gen.rows }

// Start sets the window to the last Ctx tokens of prompt (at least one
// token, each in 0 … Vocab−1), runs them through the model in one pass and
// returns the logits of the token that follows. The returned slice is the
// generator's, overwritten by the next call.
func (gen *Generator) Start(prompt []int) ([]float32, error) {
	if err := gen.usable(); err != nil {
		return nil, err
	}
	if len(prompt) == 0 {
		return nil, fmt.Errorf("nn: generate: an empty prompt: want at least one token: %w", backend.ErrInvalidArgument)
	}
	for i, t := range prompt {
		if err := gen.checkToken(t, i); err != nil {
			return nil, err
		}
	}
	if n := gen.gpt.Config.Ctx; len(prompt) > n {
		prompt = prompt[len(prompt)-n:]
	}
	gen.window = append(gen.window[:0], prompt...)
	return gen.prefill()
}

// Next appends tok to the window and returns the logits of the token after
// it: one row's pass with the cache, or, when the window was full, a
// prefill of the window after Slide tokens are dropped (see Generator).
func (gen *Generator) Next(tok int) ([]float32, error) {
	if err := gen.usable(); err != nil {
		return nil, err
	}
	if len(gen.window) == 0 {
		return nil, fmt.Errorf("nn: generate: Next before Start: %w", backend.ErrInvalidArgument)
	}
	if err := gen.checkToken(tok, len(gen.window)); err != nil {
		return nil, err
	}
	if len(gen.window) == gen.gpt.Config.Ctx {
		gen.window = append(gen.window[:copy(gen.window, gen.window[gen.slide:])], tok)
		return gen.prefill()
	}
	gen.window = append(gen.window, tok)
	return gen.step(len(gen.window) - 1)
}

func (gen *Generator) usable() error {
	if gen == nil || gen.released {
		return fmt.Errorf("nn: generate: the generator is released: %w", backend.ErrInvalidArgument)
	}
	return nil
}

func (gen *Generator) checkToken(t, at int) error {
	if v := gen.gpt.Config.Vocab; t < 0 || t >= v {
		return fmt.Errorf("nn: generate: token %d at position %d: want 0 … %d (vocab %d): %w", t, at, v-1, v, backend.ErrInvalidArgument)
	}
	return nil
}

// prefill runs the window through the model on a graph, as GPT.Forward
// does, copies each layer's q/k/v rows into its cache, and computes the
// logits of the last row.
func (gen *Generator) prefill() ([]float32, error) {
	gp, g, b := gen.gpt, gen.g, gen.b
	n := len(gen.window)
	for i, t := range gen.window {
		gen.ids[i] = float32(t)
	}
	defer g.Reset()
	eps := float32(backend.LayerNormEps)
	ids := g.Constant(backend.Shape{Rows: n, Cols: 1}, gen.ids[:n])
	pos := g.Constant(backend.Shape{Rows: n, Cols: 1}, gen.positions[:n])
	x := g.Add(gp.Wte.Forward(g, ids), gp.Wpe.Forward(g, pos))
	for l, bl := range gp.Blocks {
		qkv := bl.Attn.CAttn.Forward(g, g.LayerNorm(eps, x, bl.Ln1.Weight, bl.Ln1.Bias))
		x = g.Add(x, bl.Attn.CProj.Forward(g, g.CausalSelfAttention(qkv, 1, n, gp.Config.Heads)))
		h := g.Linear(g.LayerNorm(eps, x, bl.Ln2.Weight, bl.Ln2.Bias), bl.Fc.Weight, bl.Fc.Bias, GELU)
		x = g.Add(x, g.Linear(h, bl.Proj.Weight, bl.Proj.Bias, Identity))
		if g.Err() == nil {
			if err := b.CopyRows(gen.cache[l], 0, qkv.Tensor()); err != nil {
				return nil, gen.fail("the cache", err)
			}
		}
	}
	if err := g.Err(); err != nil {
		return nil, gen.fail("prefill", err)
	}
	// The scores of the positions after the window stay −Inf, softmax's
	// 0, until a step writes them: steps write columns 0 … t only.
	if err := b.Fill(gen.scores, float32(math.Inf(-1))); err != nil {
		return nil, gen.fail("prefill", err)
	}
	gen.ids[0] = float32(n - 1)
	if err := b.Upload(gen.pos, gen.ids[:1]); err != nil {
		return nil, gen.fail("prefill", err)
	}
	if err := b.GatherRows(gen.x, x.Tensor(), gen.pos); err != nil {
		return nil, gen.fail("prefill", err)
	}
	gen.rows += n
	return gen.head()
}

func (gen *Generator) fail(what string, err error) error {
	return fmt.Errorf("nn: generate: %s: %w", what, err)
}

// Generate draws n tokens after prompt: Start, then n times a draw from s
// and, but for the last, Next. emit, when not nil, is called with each
// token as it is drawn (to print as it comes); its error stops the
// generation. It returns the tokens drawn.
func (gen *Generator) Generate(prompt []int, n int, s *Sampler, emit func(tok int) error) ([]int, error) {
	if n < 0 || s == nil {
		return nil, fmt.Errorf("nn: generate: %d tokens with sampler %p: want n ≥ 0 and a sampler: %w", n, s, backend.ErrInvalidArgument)
	}
	out := make([]int, 0, n)
	if n == 0 {
		return out, nil
	}
	logits, err := gen.Start(prompt)
	for err == nil {
		var tok int
		if tok, err = s.Sample(logits); err != nil {
			break
		}
		out = append(out, tok)
		if emit != nil {
			if err = emit(tok); err != nil {
				break
			}
		}
		if len(out) == n {
			return out, nil
		}
		logits, err = gen.Next(tok)
	}
	return out, err
}
