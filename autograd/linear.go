package autograd

import "gltrain/backend"

// Linear returns f(x·W + b), a fully connected layer and its activation: x
// is batch×in, w in×out, b 1×out or nil (no bias), the result batch×out.
// Identity gives the plain layer x·W + b.
//
// When the graph's backend implements backend.LinearFuser, the layer is one
// node and one kernel (LinearForward), keeping the pre-activation z for the
// backward pass, whose weight and bias gradients take one kernel and whose
// input gradient another. Otherwise it records MatMul, AddBias and
// Activation, which compute the same values (the last node is returned).
// Mismatched shapes and an unknown activation are errors.
func (g *Graph) Linear(x, w, b *Value, f backend.Activation) *Value {
	const op = "linear"
	ok := g.use(op, x, w)
	if ok && b != nil {
		ok = g.use(op, b)
	}
	if !ok {
		return g.bad
	}
	if err := backend.CheckActivation(op, f); err != nil {
		return g.fail(err)
	}
	s, err := backend.LinearShape(op, x.shape, w.shape)
	if err == nil && b != nil {
		err = backend.CheckLinearBias(op, w.shape, b.shape)
	}
	if err != nil {
		return g.fail(err)
	}
	fuser, fused := g.b.(backend.LinearFuser)
	if !fused {
		return g.linearUnfused(x, w, b, f)
	}
	out := g.node(opLinear, s, x, w, needGrad(x, w) || b != nil && b.requiresGrad)
	if out == g.bad {
		return out
	}
	out.act = f
	var bt backend.Tensor
	if b != nil {
		bt = b.t
	}
	if out.requiresGrad {
		out.bias = b
		if f.Kind != backend.Identity { // the identity's f' needs no z
			if out.cache, err = g.b.New(s); err != nil {
				return g.fail(err)
			}
		}
	}
	return g.done(out, fuser.LinearForward(f, out.t, out.cache, x.t, w.t, bt))
}

// linearUnfused records Linear as MatMul, AddBias (with a bias) and
// Activation (but for the identity).
func (g *Graph) linearUnfused(x, w, b *Value, f backend.Activation) *Value {
	y := g.MatMul(x, w)
	if b != nil {
		y = g.AddBias(y, b)
	}
	if f.Kind != backend.Identity {
		y = g.Activation(f, y)
	}
	return y
}

// linearBackward is the backward step of y = f(z), z = x·W + b. With dy the
// upstream gradient and dz = dy ⊙ f'(z), the local gradients give
//
//	dW = xᵀ·dz    db = colsum(dz)    dx = dz·Wᵀ
//
// dW and db in one LinearBackward pass, dx in another, each written with
// sinkBeta's beta: 0 to overwrite a gradient's first contribution, 1 to add
// to it. The passes run one after the other and each settles its gradients
// before the next asks for its beta, so a value that is two of x, W and b
// sums its shares; one that is both W and b (a 1×out weight) takes its bias
// share in a pass of its own, as one call may not write a tensor twice.
func linearBackward(g *Graph, n *Value) {
	x, w, b, dy := n.in[0], n.in[1], n.bias, g.upstream(n)
	fuser := g.b.(backend.LinearFuser) // opLinear nodes exist only on a fusing backend
	wantB := b != nil && b.requiresGrad
	pass := func(dx, dw, db backend.Tensor, betaX, betaW, betaB float32) {
		g.kernel(n, fuser.LinearBackward(n.act, dx, dw, db, x.t, w.t, n.cache, dy, betaX, betaW, betaB))
	}
	if w.requiresGrad || wantB && b != w {
		var dw, db backend.Tensor
		var betaW, betaB float32
		if w.requiresGrad {
			dw, betaW = g.sinkBeta(w)
		}
		if wantB && b != w {
			db, betaB = g.sinkBeta(b)
		}
		pass(nil, dw, db, 0, betaW, betaB)
		if w.requiresGrad {
			g.settle(w)
		}
		if wantB && b != w {
			g.settle(b)
		}
	}
	if wantB && b == w {
		db, betaB := g.sinkBeta(b)
		pass(nil, nil, db, 0, 0, betaB)
		g.settle(b)
	}
	if x.requiresGrad {
		dx, betaX := g.sinkBeta(x)
		pass(dx, nil, nil, betaX, 0, 0)
		g.settle(x)
	}
}
