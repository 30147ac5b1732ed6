package autograd

import "gltrain/backend"

// MatMul returns the matrix product a·b: a is m×k, b is k×n, the result m×n.
func (g *Graph) MatMul(a, b *Value) *Value {
	return g.MatMulT(backend.NoTrans, backend.NoTrans, a, b)
}

// MatMulT returns op(a)·op(b), where op(X) is X or Xᵀ as tA and tB say,
// without copying a transposed operand: x·Wᵀ is MatMulT(NoTrans, Trans, x, W).
// Mismatched inner dimensions are an error naming both shapes.
func (g *Graph) MatMulT(tA, tB backend.Transpose, a, b *Value) *Value {
	if !g.use(opMatMul.String(), a, b) {
		return g.bad
	}
	s, err := backend.MatMulShape(tA, tB, a.shape, b.shape)
	if err != nil {
		return g.fail(err)
	}
	out := g.node(opMatMul, s, a, b, needGrad(a, b))
	if out == g.bad {
		return out
	}
	out.tA, out.tB = tA, tB
	return g.done(out, g.b.MatMul(tA, tB, 1, a.t, b.t, 0, out.t))
}

// matMulBackward is the backward step of C = op(A)·op(B). With dC the upstream
// gradient, the local gradients give
//
//	∂L/∂op(A) = dC·op(B)ᵀ    ∂L/∂op(B) = op(A)ᵀ·dC
//
// and a transposed operand takes the transpose of its share:
//
//	dA = dC·op(B)ᵀ  (tA = NoTrans)    dA = op(B)·dCᵀ  (tA = Trans)
//	dB = op(A)ᵀ·dC  (tB = NoTrans)    dB = dCᵀ·op(A)  (tB = Trans)
//
// each one MatMul with transpose flags (no transposed copies) and beta = 1
// when adding to a gradient that already holds a contribution.
func matMulBackward(g *Graph, n *Value) {
	a, b, dc := n.in[0], n.in[1], g.upstream(n)
	if a.requiresGrad {
		da, beta := g.sinkBeta(a)
		if n.tA == backend.NoTrans {
			g.kernel(n, g.b.MatMul(backend.NoTrans, !n.tB, 1, dc, b.t, beta, da))
		} else {
			g.kernel(n, g.b.MatMul(n.tB, backend.Trans, 1, b.t, dc, beta, da))
		}
		g.settle(a)
	}
	if b.requiresGrad {
		db, beta := g.sinkBeta(b)
		if n.tB == backend.NoTrans {
			g.kernel(n, g.b.MatMul(!n.tA, backend.NoTrans, 1, a.t, dc, beta, db))
		} else {
			g.kernel(n, g.b.MatMul(backend.Trans, n.tA, 1, dc, a.t, beta, db))
		}
		g.settle(b)
	}
}
