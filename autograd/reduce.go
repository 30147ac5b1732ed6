package autograd

import "gltrain/backend"

// Sum returns the sum of every element of x, as a 1×1 value.
func (g *Graph) Sum(x *Value) *Value { return g.reduce(opSum, x) }

// Mean returns the mean of every element of x, as a 1×1 value.
func (g *Graph) Mean(x *Value) *Value { return g.reduce(opMean, x) }

// reduce computes Sum or Mean: the sum, then for Mean a scaling by 1/n.
func (g *Graph) reduce(op opKind, x *Value) *Value {
	if !g.use(op.String(), x) {
		return g.bad
	}
	out := g.node(op, backend.Shape{Rows: 1, Cols: 1}, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.alpha = 1
	if op == opMean {
		out.alpha = 1 / float32(x.shape.Len())
	}
	err := g.b.Sum(out.t, x.t)
	if err == nil && op == opMean {
		err = g.b.Scale(out.t, out.alpha, out.t)
	}
	return g.done(out, err)
}

// sumBackward is the backward step of s = alpha·Σ x (alpha = 1 for Sum, 1/n
// for Mean): every element's local gradient is alpha, so dx is the 1×1
// upstream gradient broadcast over x's shape and scaled by alpha. When s is
// the loss, the upstream gradient is the seed 1 and dx is a fill.
func sumBackward(g *Graph, n *Value) {
	x := n.in[0]
	dx := g.sink(x)
	if n.state == gradOne {
		g.kernel(n, g.b.Fill(dx, n.alpha))
	} else {
		g.kernel(n, g.b.Broadcast(dx, n.grad))
		if n.alpha != 1 && g.err == nil {
			g.kernel(n, g.b.Scale(dx, n.alpha, dx))
		}
	}
	g.commit(x, dx)
}
