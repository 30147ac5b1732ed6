package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Binary returns f(a, b) elementwise for a row of the binary table
// (backend.BinaryOps: add, sub, mul, div, maximum, minimum), with
// broadcasting: a and b are each the output's shape m×n, or 1×n (the same
// row for every row), m×1 (the same column for every column) or 1×1, and
// at least one of them is m×n. An input broadcast over a dimension gets
// the sum of its gradient's contributions along it, as in PyTorch.
//
// The backend must implement backend.Binarier; on one that does not,
// Binary fails with errors.ErrUnsupported. Shapes that do not broadcast
// fail with backend.ErrShape.
func (g *Graph) Binary(op backend.BinaryOp, a, b *Value) *Value {
	name := op.String()
	if !g.use(name, a, b) {
		return g.bad
	}
	if !op.Valid() {
		return g.fail(fmt.Errorf("%s: unknown binary op: %w", name, backend.ErrInvalidArgument))
	}
	s, err := backend.BinaryShape(name, a.shape, b.shape)
	if err != nil {
		return g.fail(err)
	}
	bin, ok := g.b.(backend.Binarier)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s does not implement backend.Binarier: %w", name, g.b.Name(), backend.ErrUnsupported))
	}
	out := g.node(opBinary, s, a, b, needGrad(a, b))
	if out == g.bad {
		return out
	}
	out.binOp = op
	return g.done(out, bin.BinaryForward(op, out.t, a.t, b.t))
}

// Div returns a / b elementwise, broadcast as Binary says. Division by
// zero gives ±Inf or NaN, as IEEE and PyTorch do.
func (g *Graph) Div(a, b *Value) *Value { return g.Binary(backend.BinaryDiv, a, b) }

// Maximum returns max(a, b) elementwise, broadcast as Binary says: NaN
// where either is NaN, as torch.maximum. Where a and b tie, each gets half
// of the gradient (PyTorch's rule).
func (g *Graph) Maximum(a, b *Value) *Value { return g.Binary(backend.BinaryMaximum, a, b) }

// Minimum returns min(a, b) elementwise, broadcast as Binary says, with
// Maximum's NaN and tie rules.
func (g *Graph) Minimum(a, b *Value) *Value { return g.Binary(backend.BinaryMinimum, a, b) }

// binaryBackward is the backward step of y = f(a, b): the backend's
// BinaryBackward gives dy·∂f/∂a and dy·∂f/∂b at y's shape m×n, and an
// input broadcast over a dimension sums its share along it:
//
//	da = dy ⊙ ∂f/∂a                   a m×n
//	da[0,j] = Σ_i (dy ⊙ ∂f/∂a)[i,j]    a 1×n (ColSum)
//	da[i,0] = Σ_j (dy ⊙ ∂f/∂a)[i,j]    a m×1 (the product with a column of ones)
//	da[0,0] = Σ (dy ⊙ ∂f/∂a)           a 1×1 (Sum)
//
// and the same for b. For f(x, x) the two contributions land on x one
// after the other (the kernel may not write both into one tensor).
func binaryBackward(g *Graph, n *Value) {
	a, b, dy := n.in[0], n.in[1], g.upstream(n)
	want := func(v *Value) *Value {
		if v.requiresGrad {
			return v
		}
		return nil
	}
	if a == b {
		g.binaryGrads(n, dy, want(a), nil)
		g.binaryGrads(n, dy, nil, want(b))
		return
	}
	g.binaryGrads(n, dy, want(a), want(b))
}

// binaryGrads runs one BinaryBackward for node n writing the gradients of
// va and vb (either may be nil: not wanted), then reduces and commits
// each.
func (g *Graph) binaryGrads(n *Value, dy backend.Tensor, va, vb *Value) {
	if va == nil && vb == nil {
		return
	}
	ta, tb := g.binaryTarget(n, va), g.binaryTarget(n, vb)
	if g.err == nil {
		g.kernel(n, g.b.(backend.Binarier).BinaryBackward(n.binOp, ta, tb, n.in[0].t, n.in[1].t, dy)) // opBinary nodes exist only on a Binarier
	}
	g.binaryCommit(n, va, ta)
	g.binaryCommit(n, vb, tb)
}

// binaryTarget is where BinaryBackward writes v's share: v's sink when v
// has n's shape, else a temporary of n's shape to reduce; nil for nil v.
func (g *Graph) binaryTarget(n, v *Value) backend.Tensor {
	switch {
	case v == nil:
		return nil
	case v.shape == n.shape:
		return g.sink(v)
	}
	return g.alloc(n.shape)
}

// binaryCommit adds t, written by binaryTarget's tensor, to v's gradient:
// directly when v has n's shape, else after summing t over the dimensions
// v was broadcast along.
func (g *Graph) binaryCommit(n, v *Value, t backend.Tensor) {
	if v == nil {
		return
	}
	if v.shape == n.shape {
		g.commit(v, t)
		return
	}
	d := g.sink(v)
	if g.err == nil {
		switch {
		case v.shape.Len() == 1:
			g.kernel(n, g.b.Sum(d, t))
		case v.shape.Rows == 1:
			g.kernel(n, g.b.ColSum(d, t))
		default: // m×1: row sums, t·1 with 1 a column of n.Cols ones
			ones := g.alloc(backend.Shape{Rows: n.shape.Cols, Cols: 1})
			if g.err == nil {
				g.kernel(n, g.b.Fill(ones, 1))
				g.kernel(n, g.b.MatMul(backend.NoTrans, backend.NoTrans, 1, t, ones, 0, d))
			}
			g.release(ones)
		}
	}
	g.release(t)
	g.commit(v, d)
}
