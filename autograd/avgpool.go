package autograd

import (
	"fmt"

	"gltrain/backend"
)

// AvgPool2D returns the mean of each KH×KW window of the images x
// (batch×C·H·W), moved by Stride (backend.Pool2D): batch×C·OutH·OutW,
// PyTorch's AvgPool2d without padding. backend.GlobalPool2D(C, H, W) gives
// global average pooling, batch×C. The backend must implement
// backend.AvgPooler; on one that does not, AvgPool2D records an error
// wrapping errors.ErrUnsupported.
func (g *Graph) AvgPool2D(p backend.Pool2D, x *Value) *Value {
	const op = "avgpool2d"
	if !g.use(op, x) {
		return g.bad
	}
	ap, ok := g.b.(backend.AvgPooler)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	if err := backend.CheckAvgPool2D(op, p, x.t, nil); err != nil {
		return g.fail(err)
	}
	out := g.node(opAvgPool2D, backend.Shape{Rows: x.shape.Rows, Cols: p.Out()}, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.geom = backend.Conv2D{C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, Stride: p.Stride}
	return g.done(out, ap.AvgPool2DForward(p, out.t, x.t))
}

// avgPool2DBackward spreads dy over the windows: dx = AvgPool2DBackward(dy).
func avgPool2DBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	c := n.geom
	p := backend.Pool2D{C: c.C, H: c.H, W: c.W, KH: c.KH, KW: c.KW, Stride: c.Stride}
	dx := g.sink(x)
	g.kernel(n, g.b.(backend.AvgPooler).AvgPool2DBackward(p, dx, dy))
	g.commit(x, dx)
}
