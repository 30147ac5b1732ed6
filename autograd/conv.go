package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Conv2D returns the 2-D convolution of the images x (batch×C·H·W, NCHW
// rows) with the filters w (K×C·KH·KW, PyTorch's (K, C, KH, KW) weight)
// plus the bias b (1×K), geometry geom (backend.Conv2D):
//
//	y[n,k,oy,ox] = b[k] + Σ_{c,i,j} w[k,c,i,j]·x[n,c,oy·S+i−P,ox·S+j−P]
//
// The output is batch×K·OutH·OutW. The backend must implement
// backend.Convolver; on one that does not, Conv2D records an error
// wrapping errors.ErrUnsupported.
func (g *Graph) Conv2D(geom backend.Conv2D, x, w, b *Value) *Value {
	const op = "conv2d"
	if !g.use(op, x, w, b) {
		return g.bad
	}
	cv, ok := g.b.(backend.Convolver)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	if err := backend.CheckConv2D(op, geom, x.t, w.t, b.t, nil); err != nil {
		return g.fail(err)
	}
	out := g.node(opConv2D, backend.Shape{Rows: x.shape.Rows, Cols: geom.Out()}, x, w, x.requiresGrad || w.requiresGrad || b.requiresGrad)
	if out == g.bad {
		return out
	}
	out.geom = geom
	if out.requiresGrad {
		out.bias = b
	}
	return g.done(out, cv.Conv2DForward(geom, out.t, x.t, w.t, b.t))
}

// conv2DBackward is the backward step of y = conv(x, w) + b: with the
// upstream gradient dy,
//
//	dw, db = Conv2DBackwardFilter(x, dy)    dx = Conv2DBackwardData(dy, w)
//
// each written to its value's sink; dw or db is computed into a temporary
// when only the other is wanted (one kernel computes both).
func conv2DBackward(g *Graph, n *Value) {
	x, w, b, dy := n.in[0], n.in[1], n.bias, g.upstream(n)
	cv := g.b.(backend.Convolver) // opConv2D nodes exist only on a Convolver
	if w.requiresGrad || b.requiresGrad {
		var dw, db backend.Tensor
		if w.requiresGrad {
			dw = g.sink(w)
		} else {
			dw = g.alloc(w.shape)
		}
		if b.requiresGrad && b != w {
			db = g.sink(b)
		} else {
			db = g.alloc(b.shape)
		}
		g.kernel(n, cv.Conv2DBackwardFilter(n.geom, dw, db, x.t, dy))
		if w.requiresGrad {
			g.commit(w, dw)
		} else {
			g.release(dw)
		}
		switch {
		case b.requiresGrad && b != w:
			g.commit(b, db)
		case b.requiresGrad: // one value as both weight and bias
			g.contribute(b, 1, db, true)
		default:
			g.release(db)
		}
	}
	if x.requiresGrad {
		dx := g.sink(x)
		g.kernel(n, cv.Conv2DBackwardData(n.geom, dx, dy, w.t))
		g.commit(x, dx)
	}
}

// MaxPool2D returns the maximum of each KH×KW window of the images x
// (batch×C·H·W), moved by Stride (backend.Pool2D): batch×C·OutH·OutW. The
// first maximum of a window in row-major order takes its gradient; a
// window holding NaN gives NaN. The backend must implement
// backend.Convolver.
func (g *Graph) MaxPool2D(p backend.Pool2D, x *Value) *Value {
	const op = "maxpool2d"
	if !g.use(op, x) {
		return g.bad
	}
	cv, ok := g.b.(backend.Convolver)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	if err := backend.CheckPool2D(op, p, x.t, nil, nil); err != nil {
		return g.fail(err)
	}
	s := backend.Shape{Rows: x.shape.Rows, Cols: p.Out()}
	out := g.node(opMaxPool2D, s, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.geom = backend.Conv2D{C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, Stride: p.Stride}
	if out.cache = g.alloc(s); out.cache == nil {
		return g.bad
	}
	return g.done(out, cv.MaxPool2DForward(p, out.t, out.cache, x.t))
}

// maxPool2DBackward routes dy to the maxima the forward pass recorded (its
// cache): dx = MaxPool2DBackward(arg, dy).
func maxPool2DBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	c := n.geom
	p := backend.Pool2D{C: c.C, H: c.H, W: c.W, KH: c.KH, KW: c.KW, Stride: c.Stride}
	dx := g.sink(x)
	g.kernel(n, g.b.(backend.Convolver).MaxPool2DBackward(p, dx, n.cache, dy))
	g.commit(x, dx)
}
