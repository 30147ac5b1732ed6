package autograd

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// CausalSelfAttention returns the causal multi-head self-attention of
// batch sequences of T positions, from their fused QKV projection qkv,
// (batch·T)×3C: the queries, keys and values are its column blocks
// [0, C), [C, 2C) and [2C, 3C), and head h takes columns h·hs … (h+1)·hs−1
// of each block, hs = C/heads (nanoGPT's q.view(B, T, heads, hs)). For each
// sequence b and head h, with Q, K, V its T×hs matrices,
//
//	S = Q·Kᵀ/√hs
//	P = softmax of each row t of S over the columns j ≤ t (0 for j > t)
//	Y = P·V
//
// and the result, (batch·T)×C, holds head h's Y in columns h·hs …
// (h+1)·hs−1: the input of the output projection. The heads are read and
// written in place, without copies (backend.BatchedMatMuler), and the
// causal mask is computed from the indices in the softmax
// (backend.CausalSoftmaxer), which the backend must implement; on one that
// does not, CausalSelfAttention records an error wrapping
// errors.ErrUnsupported.
//
// The scores are materialised: the forward pass keeps P, batch·heads·T²
// floats, for the backward pass, which borrows as many again (and the
// forward pass too, with dropout). For 16 sequences of 4 heads that is
// 4 MiB a layer at T = 128 and 256 MiB at T = 1024, which is fine; beyond,
// it grows with T² (4 GiB at T = 4096). T above
// backend.MaxAttentionContext (4096) is an error, and below it a batch the
// device cannot hold fails with backend.ErrOutOfMemory. A longer context
// would need the scores computed in blocks (flash attention), which this op
// does not do.
//
// The backward pass, with dY the upstream gradient:
//
//	dV = Pᵀ·dY    dP = dY·Vᵀ    dS = P ⊙ (dP − rowsum(P ⊙ dP))  (0 where masked)
//	dQ = dS·K/√hs    dK = dSᵀ·Q/√hs
//
// written into the column blocks of qkv's gradient.
func (g *Graph) CausalSelfAttention(qkv *Value, batch, T, heads int) *Value {
	return g.CausalSelfAttentionDropout(qkv, nil, batch, T, heads)
}

// CausalSelfAttentionDropout is CausalSelfAttention with attention dropout:
// P is multiplied elementwise by mask, (batch·heads·T)×T, before Y = P·V,
// and the gradient through P by mask too. mask holds 0 for a dropped
// probability and 1/(1−p) for a kept one (nn.CausalSelfAttention draws it
// from its seed); it takes no gradient. A nil mask is no dropout.
func (g *Graph) CausalSelfAttentionDropout(qkv, mask *Value, batch, T, heads int) *Value {
	const op = "causal self-attention"
	ins := []*Value{qkv}
	if mask != nil {
		ins = append(ins, mask)
	}
	if !g.use(op, ins...) {
		return g.bad
	}
	if err := g.attentionBackend(op); err != nil {
		return g.fail(err)
	}
	if err := backend.CheckCausalSelfAttention(op, qkv.shape, batch, T, heads); err != nil {
		return g.fail(err)
	}
	probs := backend.Shape{Rows: batch * heads * T, Cols: T}
	if mask != nil && mask.shape != probs {
		return g.fail(fmt.Errorf("%s: dropout mask %v: want %v: %w", op, mask.shape, probs, backend.ErrShape))
	}
	out := g.node(opCausalSelfAttention, backend.Shape{Rows: batch * T, Cols: qkv.shape.Cols / 3}, qkv, mask, qkv.requiresGrad)
	if out == g.bad {
		return out
	}
	out.at, out.heads = T, heads
	if out.cache = g.alloc(probs); out.cache == nil {
		return g.done(out, g.err)
	}
	a := attentionLayout(qkv.shape.Cols/3, T, heads)
	bm := g.b.(backend.BatchedMatMuler)
	if err := bm.BatchedMatMul(a.gemm(batch, T, T, a.hs, false, true, a.scale, 0), a.q(qkv.t), a.k(qkv.t), a.att(out.cache)); err != nil {
		return g.fail(err)
	}
	if err := g.b.(backend.CausalSoftmaxer).CausalSoftmaxForward(out.cache, out.cache); err != nil {
		return g.fail(err)
	}
	p := out.cache
	if mask != nil {
		if p = g.alloc(probs); p == nil {
			return g.done(out, g.err)
		}
		defer g.release(p)
		if err := g.b.Mul(p, out.cache, mask.t); err != nil {
			return g.fail(err)
		}
	}
	return g.done(out, bm.BatchedMatMul(a.gemm(batch, T, a.hs, T, false, false, 1, 0), a.att(p), a.v(qkv.t), a.y(out.t)))
}

// attentionBackend reports whether the graph's backend implements the
// attention's optional interfaces.
func (g *Graph) attentionBackend(op string) error {
	_, bm := g.b.(backend.BatchedMatMuler)
	_, cs := g.b.(backend.CausalSoftmaxer)
	if !bm || !cs {
		return fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported)
	}
	return nil
}

// attention is the layout of the heads: C features, T positions, hs =
// C/heads, and the scale 1/√hs.
type attention struct {
	c, t, heads, hs int
	scale           float32
}

func attentionLayout(c, T, heads int) attention {
	hs := c / heads
	return attention{c: c, t: T, heads: heads, hs: hs, scale: float32(1 / math.Sqrt(float64(hs)))}
}

// gemm is a product per (sequence, head).
func (a attention) gemm(batch, m, n, k int, tA, tB backend.Transpose, alpha, beta float32) backend.BatchedGemm {
	return backend.BatchedGemm{Batch: [2]int{batch, a.heads}, M: m, N: n, K: k, TransA: tA, TransB: tB, Alpha: alpha, Beta: beta}
}

// block is the T×hs matrices of column block i (0 q, 1 k, 2 v) of a
// (batch·T)×3C tensor.
func (a attention) block(t backend.Tensor, i int) backend.Strided {
	return backend.Strided{T: t, Offset: i * a.c, LD: 3 * a.c, Stride: [2]int{a.t * 3 * a.c, a.hs}}
}

func (a attention) q(t backend.Tensor) backend.Strided { return a.block(t, 0) }
func (a attention) k(t backend.Tensor) backend.Strided { return a.block(t, 1) }
func (a attention) v(t backend.Tensor) backend.Strided { return a.block(t, 2) }

// y is the T×hs matrices of a (batch·T)×C tensor, head h in columns h·hs….
func (a attention) y(t backend.Tensor) backend.Strided {
	return backend.Strided{T: t, LD: a.c, Stride: [2]int{a.t * a.c, a.hs}}
}

// att is the T×T matrices of a (batch·heads·T)×T tensor.
func (a attention) att(t backend.Tensor) backend.Strided {
	return backend.Strided{T: t, LD: a.t, Stride: [2]int{a.heads * a.t * a.t, a.t * a.t}}
}

// causalSelfAttentionBackward is the backward step of
// CausalSelfAttentionDropout (see CausalSelfAttention for the formulas),
// from the probabilities P its forward pass cached, with one borrowed
// (batch·heads·T)×T temporary: first the dropped-out P⊙M into it for dV,
// then dP = (dY·Vᵀ)⊙M over it, turned into dS in place.
func causalSelfAttentionBackward(g *Graph, n *Value) {
	qkv, mask, dy := n.in[0], n.in[1], g.upstream(n)
	T, heads := n.at, n.heads
	batch := n.shape.Rows / T
	a := attentionLayout(n.shape.Cols, T, heads)
	bm := g.b.(backend.BatchedMatMuler)
	tmp := g.alloc(n.cache.Shape())
	defer g.release(tmp)
	dqkv, beta := g.sinkBeta(qkv) // each of dq, dk, dv writes its own third of dqkv
	p := n.cache
	if mask != nil {
		g.kernel(n, g.b.Mul(tmp, n.cache, mask.t))
		p = tmp
	}
	g.kernel(n, bm.BatchedMatMul(a.gemm(batch, T, a.hs, T, true, false, 1, beta), a.att(p), a.y(dy), a.v(dqkv)))
	g.kernel(n, bm.BatchedMatMul(a.gemm(batch, T, T, a.hs, false, true, 1, 0), a.y(dy), a.v(qkv.t), a.att(tmp)))
	if mask != nil {
		g.kernel(n, g.b.Mul(tmp, tmp, mask.t))
	}
	g.kernel(n, g.b.(backend.CausalSoftmaxer).CausalSoftmaxBackward(tmp, n.cache, tmp))
	g.kernel(n, bm.BatchedMatMul(a.gemm(batch, T, a.hs, T, false, false, a.scale, beta), a.att(tmp), a.k(qkv.t), a.q(dqkv)))
	g.kernel(n, bm.BatchedMatMul(a.gemm(batch, T, a.hs, T, true, false, a.scale, beta), a.att(tmp), a.q(qkv.t), a.k(dqkv)))
	g.settle(qkv)
}
