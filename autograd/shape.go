package autograd

import (
	"errors"
	"fmt"

	"gltrain/backend"
)

// The shape operations need a backend.Shaper; on a backend without one
// they record an error wrapping errors.ErrUnsupported. Each output is a new
// tensor, but for a reshape on a backend.Viewer, which shares x's storage.

// shaper returns the graph's backend as a Shaper, or records op's error.
func (g *Graph) shaper(op string, xs ...*Value) (backend.Shaper, bool) {
	if !g.use(op, xs...) {
		return nil, false
	}
	s, ok := g.b.(backend.Shaper)
	if !ok {
		g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	return s, ok
}

// Transpose returns the transpose of x (m×n), an n×m value: y[j,i] = x[i,j].
// Its gradient is the transpose of the upstream gradient.
func (g *Graph) Transpose(x *Value) *Value {
	s, ok := g.shaper("transpose", x)
	if !ok {
		return g.bad
	}
	out := g.node(opTranspose, backend.Shape{Rows: x.shape.Cols, Cols: x.shape.Rows}, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, s.Transpose(out.t, x.t))
}

// Reshape returns x's elements, in row-major order, as a rows×cols value;
// rows·cols must be x's element count, else Reshape records an ErrShape
// error. On a backend.Viewer it is a view of x's storage, with no copy and
// no kernel, and so is its gradient, the upstream gradient reshaped back;
// otherwise (and for a view of a packed tensor, which Viewer refuses) both
// copy (backend.Shaper).
func (g *Graph) Reshape(x *Value, rows, cols int) *Value {
	const op = "reshape"
	if !g.use(op, x) {
		return g.bad
	}
	to := backend.Shape{Rows: rows, Cols: cols}
	if rows < 1 || cols < 1 || rows*cols != x.shape.Len() || rows > x.shape.Len() || cols > x.shape.Len() {
		return g.fail(fmt.Errorf("reshape: %v to %d×%d: %w", x.shape, rows, cols, backend.ErrShape))
	}
	if v, ok := g.b.(backend.Viewer); ok {
		t, err := v.View(x.t, to)
		switch {
		case err == nil:
			out := g.newValue(opReshape)
			out.t, out.shape = t, to
			if x.requiresGrad && !g.noGrad {
				out.requiresGrad, out.in = true, [2]*Value{x, nil}
			}
			return out
		case !errors.Is(err, backend.ErrUnsupported):
			return g.fail(fmt.Errorf("%s: %w", op, err))
		}
	}
	s, ok := g.shaper(op, x)
	if !ok {
		return g.bad
	}
	out := g.node(opReshape, to, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, s.Reshape(out.t, x.t))
}

// SliceCols returns columns c0 … c1−1 of x (m×n), an m×(c1−c0) value; it
// records an ErrShape error unless 0 ≤ c0 < c1 ≤ n. Its gradient is the
// upstream gradient in those columns and zero in the others.
func (g *Graph) SliceCols(x *Value, c0, c1 int) *Value {
	s, ok := g.shaper("slice columns", x)
	if !ok {
		return g.bad
	}
	if c0 < 0 || c1 <= c0 || c1 > x.shape.Cols {
		return g.fail(fmt.Errorf("slice columns: [%d, %d) of %v: %w", c0, c1, x.shape, backend.ErrShape))
	}
	out := g.node(opSliceCols, backend.Shape{Rows: x.shape.Rows, Cols: c1 - c0}, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.at = c0
	return g.done(out, s.CopyCols(out.t, 0, x.t, c0, c1-c0))
}

// ConcatCols returns xs side by side, a value with their rows and the sum
// of their columns; every x must have as many rows, else it records an
// ErrShape error. One x is returned as it is. More than two are joined
// pairwise, left to right (each join a copy). Each x's gradient is its
// columns of the upstream gradient.
func (g *Graph) ConcatCols(xs ...*Value) *Value {
	const op = "concat columns"
	if len(xs) == 0 {
		return g.fail(fmt.Errorf("%s: no values: %w", op, backend.ErrInvalidArgument))
	}
	if _, ok := g.shaper(op, xs...); !ok {
		return g.bad
	}
	for i, x := range xs[1:] {
		if x.shape.Rows != xs[0].shape.Rows {
			return g.fail(fmt.Errorf("%s: value 0 is %v, value %d is %v: rows differ: %w", op, xs[0].shape, i+1, x.shape, backend.ErrShape))
		}
	}
	y := xs[0]
	for _, x := range xs[1:] {
		if y = g.concat2(y, x); y == g.bad {
			break
		}
	}
	return y
}

// concat2 records the concatenation of a and b.
func (g *Graph) concat2(a, b *Value) *Value {
	s := g.b.(backend.Shaper) // checked by ConcatCols
	out := g.node(opConcatCols, backend.Shape{Rows: a.shape.Rows, Cols: a.shape.Cols + b.shape.Cols}, a, b, needGrad(a, b))
	if out == g.bad {
		return out
	}
	err := s.CopyCols(out.t, 0, a.t, 0, a.shape.Cols)
	if err == nil {
		err = s.CopyCols(out.t, a.shape.Cols, b.t, 0, b.shape.Cols)
	}
	return g.done(out, err)
}

// shapeBackward is the backward step of the shape operations, each a
// permutation or selection of elements, so its gradient moves dy back:
//
//	transpose:  dx = dyᵀ
//	reshape:    dx = dy reshaped to x's shape (a view of dy on a Viewer)
//	slice:      dx = 0, then dx[:, c0:c1] = dy
//	concat:     da = dy[:, :na],  db = dy[:, na:]
func shapeBackward(g *Graph, n *Value) {
	s, dy := g.b.(backend.Shaper), g.upstream(n) // shape nodes exist only on a Shaper
	x := n.in[0]
	switch n.op {
	case opReshape:
		if g.reshapeGradView(n) {
			return
		}
		fallthrough
	case opTranspose:
		dx := g.sink(x)
		if n.op == opTranspose {
			g.kernel(n, s.Transpose(dx, dy))
		} else {
			g.kernel(n, s.Reshape(dx, dy))
		}
		g.commit(x, dx)
	case opSliceCols:
		dx := g.sink(x)
		g.kernel(n, g.b.Fill(dx, 0))
		if g.err == nil {
			g.kernel(n, s.CopyCols(dx, n.at, dy, 0, n.shape.Cols))
		}
		g.commit(x, dx)
	case opConcatCols:
		for i, v := range n.in {
			if !v.requiresGrad {
				continue
			}
			dv := g.sink(v)
			g.kernel(n, s.CopyCols(dv, 0, dy, i*n.in[0].shape.Cols, v.shape.Cols))
			g.commit(v, dv)
		}
	}
}

// reshapeGradView is a reshape's backward step on a backend.Viewer: it
// takes n's upstream gradient, the last use of it, and gives x a view of it
// in x's shape, with no copy. It reports false, having done nothing, where
// the backend has no Viewer or refuses the view (ErrUnsupported), so that
// the caller copies.
func (g *Graph) reshapeGradView(n *Value) bool {
	v, ok := g.b.(backend.Viewer)
	if !ok || g.err != nil {
		return false
	}
	x, dy := n.in[0], g.upstream(n)
	dx, err := v.View(dy, x.shape)
	if errors.Is(err, backend.ErrUnsupported) {
		return false
	}
	g.kernel(n, err)
	g.contribute(x, 1, dx, err == nil)
	return true
}
