package autograd

import (
	"fmt"

	"gltrain/backend"
)

// LayerNorm returns the layer normalisation of each row of x (batch×n, n
// at most backend.MaxLayerNormWidth) with the affine weight w and bias b
// (1×n each), PyTorch's torch.nn.LayerNorm(n) over the last dimension:
//
//	y_ij = (x_ij − μ_i)/√(σ²_i + eps)·w_j + b_j
//
// with μ_i and σ²_i the mean and the biased variance of row i. The backend
// must implement backend.Normalizer; on one that does not, LayerNorm
// records an error wrapping errors.ErrUnsupported.
func (g *Graph) LayerNorm(eps float32, x, w, b *Value) *Value {
	const op = "layernorm"
	if !g.use(op, x, w, b) {
		return g.bad
	}
	ln, ok := g.b.(backend.Normalizer)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	if err := backend.CheckLayerNorm(op, x.t, w.t, b.t, nil); err != nil {
		return g.fail(err)
	}
	out := g.node(opLayerNorm, x.shape, x, w, x.requiresGrad || w.requiresGrad || b.requiresGrad)
	if out == g.bad {
		return out
	}
	if out.requiresGrad {
		out.bias = b
	}
	out.alpha = eps
	if out.cache = g.alloc(backend.Shape{Rows: x.shape.Rows, Cols: 2}); out.cache == nil {
		return g.done(out, g.err)
	}
	return g.done(out, ln.LayerNormForward(eps, out.t, out.cache, x.t, w.t, b.t))
}

// layerNormBackward is the backward step of LayerNorm, from the row
// statistics its forward pass cached: one fused kernel gives dx, dw and db
// (backend.Normalizer), each written to its value's sink, or to a
// temporary when that value needs no gradient.
func layerNormBackward(g *Graph, n *Value) {
	x, w, b, dy := n.in[0], n.in[1], n.bias, g.upstream(n)
	dx, dw, db := affineSinks(g, x, w, b)
	g.kernel(n, g.b.(backend.Normalizer).LayerNormBackward(dx, dw, db, dy, x.t, w.t, n.cache))
	commitAffine(g, x, w, b, dx, dw, db)
}

// affineSinks returns the tensors a normalisation's backward kernel writes
// dx, dw and db into: each value's sink, or a temporary for a value that
// needs no gradient (and for db when one value is both weight and bias,
// which commitAffine then adds).
func affineSinks(g *Graph, x, w, b *Value) (dx, dw, db backend.Tensor) {
	sinkOr := func(v *Value) backend.Tensor {
		if v.requiresGrad {
			return g.sink(v)
		}
		return g.alloc(v.shape)
	}
	dx, dw = sinkOr(x), sinkOr(w)
	if b == w {
		return dx, dw, g.alloc(b.shape)
	}
	return dx, dw, sinkOr(b)
}

// commitAffine hands a normalisation's gradients to x, w and b (releasing
// those nothing takes), w's before b's: when w is b, b's adds to w's.
func commitAffine(g *Graph, x, w, b *Value, dx, dw, db backend.Tensor) {
	for _, c := range []struct {
		v *Value
		d backend.Tensor
	}{{x, dx}, {w, dw}} {
		if c.v.requiresGrad {
			g.commit(c.v, c.d)
		} else {
			g.release(c.d)
		}
	}
	switch {
	case b == w && b.requiresGrad:
		g.contribute(b, 1, db, true)
	case b.requiresGrad:
		g.commit(b, db)
	default:
		g.release(db)
	}
}
