package autograd

import "gltrain/backend"

// Add returns a + b, elementwise. a and b have one shape, or one of them
// is broadcast over the other as Binary says.
func (g *Graph) Add(a, b *Value) *Value { return g.binaryOrBroadcast(opAdd, a, b) }

// Sub returns a − b, elementwise. a and b have one shape, or one of them
// is broadcast over the other as Binary says.
func (g *Graph) Sub(a, b *Value) *Value { return g.binaryOrBroadcast(opSub, a, b) }

// Mul returns a ⊙ b, the elementwise (Hadamard) product. a and b have one
// shape, or one of them is broadcast over the other as Binary says.
func (g *Graph) Mul(a, b *Value) *Value { return g.binaryOrBroadcast(opMul, a, b) }

// binaryOrBroadcast computes Add, Sub or Mul: by the contract's
// same-shape kernels when a and b have one shape, else by Binary.
func (g *Graph) binaryOrBroadcast(op opKind, a, b *Value) *Value {
	if a != nil && b != nil && a.shape != b.shape {
		bop := backend.BinaryAdd
		switch op {
		case opSub:
			bop = backend.BinarySub
		case opMul:
			bop = backend.BinaryMul
		}
		return g.Binary(bop, a, b)
	}
	return g.binary(op, a, b)
}

// binary computes the elementwise operation op of a and b.
func (g *Graph) binary(op opKind, a, b *Value) *Value {
	if !g.use(op.String(), a, b) {
		return g.bad
	}
	if err := backend.CheckSame(op.String(), a.shape, b.shape); err != nil {
		return g.fail(err)
	}
	out := g.node(op, a.shape, a, b, needGrad(a, b))
	if out == g.bad {
		return out
	}
	var err error
	switch op {
	case opAdd:
		err = g.b.Add(out.t, a.t, b.t)
	case opSub:
		err = g.b.Sub(out.t, a.t, b.t)
	default:
		err = g.b.Mul(out.t, a.t, b.t)
	}
	return g.done(out, err)
}

// addBackward is the backward step of y = a ± b: the local gradients are 1
// and ±1, so a receives dy and b receives ±dy. a's share takes dy itself.
func addBackward(g *Graph, n *Value) {
	a, b, dy := n.in[0], n.in[1], g.upstream(n)
	sign := float32(1)
	if n.op == opSub {
		sign = -1
	}
	g.contribute(b, sign, dy, false)
	g.contribute(a, 1, g.take(n), true)
}

// mulBackward is the backward step of y = a ⊙ b: the local gradient with
// respect to a is b and with respect to b is a, so
//
//	da = dy ⊙ b    db = dy ⊙ a
//
// For z·z both land on z and add up to 2·z·dy.
func mulBackward(g *Graph, n *Value) {
	a, b, dy := n.in[0], n.in[1], g.upstream(n)
	if b.requiresGrad {
		db := g.sink(b)
		g.kernel(n, g.b.Mul(db, dy, a.t))
		g.commit(b, db)
	}
	if a.requiresGrad {
		da := g.sinkFrom(a, n)
		g.kernel(n, g.b.Mul(da, dy, b.t))
		g.commit(a, da)
	}
}

// Scale returns alpha·x.
func (g *Graph) Scale(alpha float32, x *Value) *Value {
	if !g.use(opScale.String(), x) {
		return g.bad
	}
	out := g.node(opScale, x.shape, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.alpha = alpha
	return g.done(out, g.b.Scale(out.t, alpha, x.t))
}

// scaleBackward is the backward step of y = alpha·x: dx = alpha·dy.
func scaleBackward(g *Graph, n *Value) {
	g.contribute(n.in[0], n.alpha, g.take(n), true)
}

// AddBias returns x + bias with bias (1×n) added to every row of x (m×n): a
// layer's y = x·W + b.
func (g *Graph) AddBias(x, bias *Value) *Value {
	if !g.use(opAddBias.String(), x, bias) {
		return g.bad
	}
	if err := backend.CheckAddBias(x.shape, x.shape, bias.shape); err != nil {
		return g.fail(err)
	}
	out := g.node(opAddBias, x.shape, x, bias, needGrad(x, bias))
	if out == g.bad {
		return out
	}
	return g.done(out, g.b.AddBias(out.t, x.t, bias.t))
}

// addBiasBackward is the backward step of y[i,j] = x[i,j] + bias[0,j]: the
// local gradients are 1, and bias was used by every row, so its gradient
// sums theirs:
//
//	dx = dy    dbias = ColSum(dy)
func addBiasBackward(g *Graph, n *Value) {
	x, bias, dy := n.in[0], n.in[1], g.upstream(n)
	if bias.requiresGrad {
		db := g.sink(bias)
		g.kernel(n, g.b.ColSum(db, dy))
		g.commit(bias, db)
	}
	g.contribute(x, 1, g.take(n), true)
}
