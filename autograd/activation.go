package autograd

import (
	"gltrain/backend"
)

// Activation returns f(x) elementwise, for any row of backend's activation
// table: the activation functions (ReLU, LeakyReLU, ELU, GELU, …) and the
// primitives (Exp, Log, …, Pow, Clamp; see unary.go). An unknown kind or a
// bad parameter is an error.
func (g *Graph) Activation(f backend.Activation, x *Value) *Value {
	if !g.use(f.Kind.String(), x) {
		return g.bad
	}
	if err := backend.CheckActivation("activation", f); err != nil {
		return g.fail(err)
	}
	out := g.node(opActivation, x.shape, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.act = f
	return g.done(out, g.b.ActivationForward(f, out.t, x.t))
}

// activationBackward is the backward step of y = f(x): the local gradient is
// f'(x), so dx = dy ⊙ f'(x), one ActivationBackward kernel given x and y.
// When dx is x's first gradient, the kernel overwrites dy in place.
func activationBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	dx := g.sinkFrom(x, n)
	g.kernel(n, g.b.ActivationBackward(n.act, dx, x.t, n.t, dy))
	g.commit(x, dx)
}
