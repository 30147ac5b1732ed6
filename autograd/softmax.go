package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Softmax returns the softmax of each row of x (batch×classes), the class
// probabilities that a classifier's logits stand for:
//
//	y[i,j] = exp(x[i,j] − max_k x[i,k]) / Σ_k exp(x[i,k] − max_k x[i,k])
//
// A row holding NaN or +Inf, or −Inf throughout, is NaN throughout, as in
// PyTorch (see backend.Softmaxer). To train a classifier, give the logits
// to SoftmaxCrossEntropy, which forms its own softmax; Softmax is for the
// probabilities themselves.
//
// The backend must implement backend.Softmaxer; on one that does not,
// Softmax records an error wrapping errors.ErrUnsupported.
func (g *Graph) Softmax(x *Value) *Value {
	const op = "softmax"
	if !g.use(op, x) {
		return g.bad
	}
	s, ok := g.b.(backend.Softmaxer)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	out := g.node(opSoftmax, x.shape, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, s.SoftmaxForward(out.t, x.t))
}

// softmaxBackward is the backward step of y = softmax(x), row by row. The
// local gradient ∂y_j/∂x_l = y_j·([j = l] − y_l) gives
//
//	dx_l = Σ_j dy_j·y_j·([j = l] − y_l) = y_l·(dy_l − Σ_j dy_j·y_j)
//
// one SoftmaxBackward kernel given the node's own value y and dy; nothing
// else is kept from the forward pass. dx may not overwrite dy (the kernel
// reads all of a row's dy for each element), so it goes to x's sink.
func softmaxBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	dx := g.sink(x)
	g.kernel(n, g.b.(backend.Softmaxer).SoftmaxBackward(dx, n.t, dy)) // opSoftmax nodes exist only on a Softmaxer
	g.commit(x, dx)
}
