package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Embedding returns the rows of the table w (vocab×dim) that ids (n×1,
// each a row index stored as a float, as labels are) name: n×dim,
// PyTorch's torch.nn.functional.embedding. It is GatherRows(w, ids) under
// the name of the layer. An id that is not a row index gives a row of NaN
// (backend.Indexer's GatherRows) and, in the backward pass, makes w's
// whole gradient NaN. ids takes no gradient.
func (g *Graph) Embedding(ids, w *Value) *Value {
	if !g.use("embedding", ids, w) {
		return g.bad
	}
	return g.gatherRows(opEmbedding, w, ids)
}

// GatherRows returns the rows of x (rows×d) that ids (n×1, row indices
// stored as floats) name, y[i,:] = x[ids[i],:]: an n×d value. An id that
// is not a row of x gives a row of NaN, and makes x's whole gradient NaN.
// ids takes no gradient. The backward pass is the scatter-add
//
//	dx[v,:] = Σ_{i : ids[i] = v} dy[i,:]
//
// summed in backend.RowScatterer's fixed order: the same bits on every run,
// for any thread count and any repeated ids. On a backend without a
// RowScatterer it is onehot(ids)ᵀ·dy (OneHot, then MatMul), equally
// deterministic but at the cost of an n×rows temporary and n·rows·d
// multiply-adds.
func (g *Graph) GatherRows(x, ids *Value) *Value {
	if !g.use("gather rows", x, ids) {
		return g.bad
	}
	return g.gatherRows(opGatherRows, x, ids)
}

// gatherRows records y[i,:] = x[ids[i],:] as the operation op
// (opEmbedding or opGatherRows: one kernel, two names in messages), its
// inputs validated (use).
func (g *Graph) gatherRows(kind opKind, x, ids *Value) *Value {
	op := kind.String()
	s := backend.Shape{Rows: ids.shape.Rows, Cols: x.shape.Cols}
	if err := backend.CheckGatherRows(s, x.shape, ids.shape); err != nil {
		return g.fail(fmt.Errorf("%s: ids %v, rows of %v: want ids n×1: %w", op, ids.shape, x.shape, backend.ErrShape))
	}
	out := g.node(kind, s, ids, x, x.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, g.b.GatherRows(out.t, x.t, ids.t))
}

// embeddingBackward adds the scatter-add of dy by the ids to the gradient
// of the gathered value (the table): by ScatterAddRows into the gradient,
// zeroed first when this is its first contribution, or else as
// onehot(ids)ᵀ·dy.
func embeddingBackward(g *Graph, n *Value) {
	ids, w, dy := n.in[0], n.in[1], g.upstream(n)
	if sc, ok := g.b.(backend.RowScatterer); ok {
		dw, beta := g.sinkBeta(w)
		if beta == 0 {
			g.kernel(n, g.b.Fill(dw, 0))
		}
		if g.err == nil {
			g.kernel(n, sc.ScatterAddRows(dw, dy, ids.t))
		}
		g.settle(w)
		return
	}
	hot := g.alloc(backend.Shape{Rows: ids.shape.Rows, Cols: w.shape.Rows})
	g.kernel(n, g.b.OneHot(hot, ids.t))
	dw, beta := g.sinkBeta(w)
	g.kernel(n, g.b.MatMul(backend.Trans, backend.NoTrans, 1, hot, dy, beta, dw))
	g.settle(w)
	g.release(hot)
}
