package autograd

import (
	"fmt"

	"gltrain/backend"
)

// The helpers here are how backward steps write gradients: the first
// contribution to a gradient overwrites it and later ones add to it, the
// `+=` of micrograd. Once an error is recorded they dispatch nothing and
// return nil tensors; a kernel a backward step then calls with one fails the
// backend's validation at its entry (ErrForeign, as the contract requires)
// without running, and its error is dropped, the first one being kept.

// contribute adds alpha·d (of v's shape) to v's gradient. With owned set, d is
// the caller's to give away: it becomes v's gradient when v has no tensor yet
// (scaled in place), and is released otherwise. Values that require no
// gradient get nothing.
func (g *Graph) contribute(v *Value, alpha float32, d backend.Tensor, owned bool) {
	switch {
	case g.err != nil:
	case !v.requiresGrad:
	case v.state == gradLive:
		g.kernel(v, g.b.Axpy(alpha, d, v.grad))
	case owned && v.grad == nil:
		if alpha != 1 {
			g.kernel(v, g.b.Scale(d, alpha, d))
		}
		v.grad, owned = d, false
	default:
		if v.grad == nil {
			v.grad = g.alloc(v.shape)
		}
		if g.err == nil {
			g.kernel(v, g.b.Scale(v.grad, alpha, d))
		}
	}
	if owned {
		g.release(d)
	}
	if g.err == nil && v.requiresGrad {
		v.state = gradLive
	}
}

// sink returns where a kernel should write a contribution to v's gradient:
// v's own tensor when this is its first contribution, else a temporary that
// commit adds in.
func (g *Graph) sink(v *Value) backend.Tensor {
	switch {
	case g.err != nil:
		return nil
	case v.state == gradLive:
		return g.alloc(v.shape)
	case v.grad == nil:
		v.grad = g.alloc(v.shape)
	}
	return v.grad
}

// sinkFrom is sink that, for v's first contribution, gives v node n's upstream
// gradient tensor when the shapes agree, so that an elementwise kernel runs
// in place (dx overwrites dy). Only the last use of the upstream gradient in
// n's step may call it.
func (g *Graph) sinkFrom(v *Value, n *Value) backend.Tensor {
	if g.err == nil && v.state != gradLive && v.grad == nil && n.state == gradLive && n.shape == v.shape {
		v.grad = g.take(n)
		return v.grad
	}
	return g.sink(v)
}

// commit completes a contribution written to d, a tensor from sink: it adds a
// temporary in and releases it (even after an error, so nothing leaks).
func (g *Graph) commit(v *Value, d backend.Tensor) {
	if d == v.grad {
		g.settle(v)
		return
	}
	if g.err == nil {
		g.kernel(v, g.b.Axpy(1, d, v.grad))
	}
	g.release(d)
	g.settle(v)
}

// sinkBeta returns v's gradient tensor and the beta for a kernel that
// accumulates (C = A·B + beta·C): 0 to overwrite on the first contribution,
// 1 to add on later ones. Call settle after the kernel.
func (g *Graph) sinkBeta(v *Value) (backend.Tensor, float32) {
	switch {
	case g.err != nil:
		return nil, 0
	case v.state == gradLive:
		return v.grad, 1
	case v.grad == nil:
		v.grad = g.alloc(v.shape)
	}
	return v.grad, 0
}

// settle marks v's gradient as written by a kernel given sinkBeta's tensor.
func (g *Graph) settle(v *Value) {
	if g.err == nil {
		v.state = gradLive
	}
}

// alloc returns a new tensor of shape s from the backend's pool.
func (g *Graph) alloc(s backend.Shape) backend.Tensor {
	if g.err != nil {
		return nil
	}
	t, err := g.b.New(s)
	if err != nil {
		g.fail(fmt.Errorf("backward: gradient %v: %w", s, err))
	}
	return t
}

// release returns t, when not nil, to the backend's pool.
func (g *Graph) release(t backend.Tensor) {
	if t == nil {
		return
	}
	if err := g.b.Release(t); err != nil {
		g.fail(fmt.Errorf("backward: %w", err))
	}
}

// kernel records the error of a kernel dispatched in the backward pass, for
// node v's step or for v's gradient.
func (g *Graph) kernel(v *Value, err error) {
	if err != nil {
		g.fail(fmt.Errorf("backward: %s: %w", v.Name(), err))
	}
}
