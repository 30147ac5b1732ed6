package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Embedding returns the rows of the table w (vocab×dim) that ids (n×1,
// each a row index stored as a float, as labels are) name: n×dim,
// PyTorch's torch.nn.functional.embedding. An id that is not a row index
// gives a row of NaN (backend.Indexer's GatherRows) and, in the backward
// pass, makes w's whole gradient NaN. ids takes no gradient.
//
// The backward pass is the scatter-add
//
//	dw[v,:] = Σ_{i : ids[i] = v} dy[i,:]
//
// computed as onehot(ids)ᵀ·dy (OneHot, then MatMul): deterministic, the
// same bits on every run and for repeated ids, with no atomics and no
// loop over the tokens in one invocation, at the cost of an n×vocab
// temporary and n·vocab·dim multiply-adds.
func (g *Graph) Embedding(ids, w *Value) *Value {
	const op = "embedding"
	if !g.use(op, ids, w) {
		return g.bad
	}
	s := backend.Shape{Rows: ids.shape.Rows, Cols: w.shape.Cols}
	if err := backend.CheckGatherRows(s, w.shape, ids.shape); err != nil {
		return g.fail(fmt.Errorf("%s: ids %v, table %v: want ids n×1: %w", op, ids.shape, w.shape, backend.ErrShape))
	}
	out := g.node(opEmbedding, s, ids, w, w.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, g.b.GatherRows(out.t, w.t, ids.t))
}

// embeddingBackward adds onehot(ids)ᵀ·dy to w's gradient.
func embeddingBackward(g *Graph, n *Value) {
	ids, w, dy := n.in[0], n.in[1], g.upstream(n)
	hot := g.alloc(backend.Shape{Rows: ids.shape.Rows, Cols: w.shape.Rows})
	g.kernel(n, g.b.OneHot(hot, ids.t))
	dw, beta := g.sinkBeta(w)
	g.kernel(n, g.b.MatMul(backend.Trans, backend.NoTrans, 1, hot, dy, beta, dw))
	g.settle(w)
	g.release(hot)
}
