package autograd

import (
	"fmt"

	"gltrain/backend"
)

// SumRows returns the sum of each row of x (m×n), an m×1 value:
// y[i] = Σ_j x[i,j].
func (g *Graph) SumRows(x *Value) *Value {
	return g.reduceAxis("sum rows", backend.AlongRows, false, false, x)
}

// SumCols returns the sum of each column of x (m×n), a 1×n value:
// y[j] = Σ_i x[i,j].
func (g *Graph) SumCols(x *Value) *Value {
	return g.reduceAxis("sum cols", backend.AlongCols, false, false, x)
}

// MeanRows returns the mean of each row of x (m×n), an m×1 value.
func (g *Graph) MeanRows(x *Value) *Value {
	return g.reduceAxis("mean rows", backend.AlongRows, true, false, x)
}

// MeanCols returns the mean of each column of x (m×n), a 1×n value.
func (g *Graph) MeanCols(x *Value) *Value {
	return g.reduceAxis("mean cols", backend.AlongCols, true, false, x)
}

// MaxRows returns the largest element of each row of x (m×n), an m×1
// value, as torch.max(x, 1) does: a NaN is larger than any number, and the
// gradient goes to the first maximum of the row alone.
func (g *Graph) MaxRows(x *Value) *Value {
	return g.reduceAxis("max rows", backend.AlongRows, false, true, x)
}

// MaxCols returns the largest element of each column of x (m×n), a 1×n
// value, as torch.max(x, 0) does (see MaxRows).
func (g *Graph) MaxCols(x *Value) *Value {
	return g.reduceAxis("max cols", backend.AlongCols, false, true, x)
}

// The reductions along an axis need a backend.AxisReducer; on a backend
// without one they record an error wrapping errors.ErrUnsupported.

// reduceAxis records a reduction of x along a: a sum (scaled by 1/length
// for a mean) or a max, whose indices it keeps in the node's cache for the
// backward step.
func (g *Graph) reduceAxis(op string, a backend.Axis, mean, max bool, x *Value) *Value {
	if !g.use(op, x) {
		return g.bad
	}
	r, ok := g.b.(backend.AxisReducer)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	out := g.node(opReduceAxis, a.Reduced(x.shape), x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	out.at, out.alpha = int(a), 1
	if mean {
		n := x.shape.Cols
		if a == backend.AlongCols {
			n = x.shape.Rows
		}
		out.alpha = 1 / float32(n)
	}
	if !max {
		return g.done(out, r.ReduceSum(a, out.alpha, out.t, x.t))
	}
	arg, err := g.b.New(out.shape)
	if err != nil {
		return g.fail(fmt.Errorf("%s: %w", op, err))
	}
	out.cache = arg
	return g.done(out, r.ReduceMax(a, out.t, out.cache, x.t))
}

// reduceAxisBackward is the backward step of a reduction along an axis:
// the sum's local gradient is alpha (1, or 1/length for a mean) at every
// element, the max's 1 at the recorded first maximum and 0 elsewhere, so
//
//	dx_r[k] = alpha·dy[r]                  (sum, mean)
//	dx_r[k] = k = arg[r] ? dy[r] : 0       (max)
func reduceAxisBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	dx := g.sink(x)
	g.kernel(n, g.b.(backend.AxisReducer).ReduceBackward(backend.Axis(n.at), n.alpha, dx, dy, n.cache))
	g.commit(x, dx)
}

// LogSoftmax returns the logarithm of the softmax of each row of x,
// computed stably as torch.log_softmax(x, 1) is:
//
//	y[i,j] = x[i,j] − mx − log Σ_k exp(x[i,k] − mx),  mx = max_k x[i,k]
//
// A row holding NaN or +Inf, or −Inf throughout, is NaN throughout; −Inf in
// a row with a finite maximum gives −Inf there. The backend must implement
// backend.LogSoftmaxer; on one that does not, LogSoftmax records an error
// wrapping errors.ErrUnsupported.
func (g *Graph) LogSoftmax(x *Value) *Value {
	const op = "log-softmax"
	if !g.use(op, x) {
		return g.bad
	}
	s, ok := g.b.(backend.LogSoftmaxer)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	out := g.node(opLogSoftmax, x.shape, x, nil, x.requiresGrad)
	if out == g.bad {
		return out
	}
	return g.done(out, s.LogSoftmaxForward(out.t, x.t))
}

// logSoftmaxBackward is the backward step of y = log-softmax(x), row by
// row: ∂y_j/∂x_l = [j = l] − softmax_l = [j = l] − exp(y_l), so
//
//	dx_l = dy_l − exp(y_l)·Σ_j dy_j
//
// from the node's own value y; dx may not overwrite dy (the kernel reads a
// row's every dy), so it goes to x's sink.
func logSoftmaxBackward(g *Graph, n *Value) {
	x, dy := n.in[0], g.upstream(n)
	dx := g.sink(x)
	g.kernel(n, g.b.(backend.LogSoftmaxer).LogSoftmaxBackward(dx, n.t, dy))
	g.commit(x, dx)
}
