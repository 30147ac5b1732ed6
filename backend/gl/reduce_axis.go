package gl

// Reductions along rows or columns, and the log-softmax built on them. A
// row reduction is a tree of axis_reduce_partial.comp levels planned as
// rowreduce.go plans its trees (work groups of rowChunk inputs, partials
// combined in a fixed order until one is left per row), so no invocation
// loops over more than rowPerThread inputs and every run gives the same
// bits. Rows of at most rowPerThread take one invocation each instead of a
// work group (thousands of short rows would idle most of each group). A
// column reduction first transposes x into a scratch buffer
// (transpose.comp), then reduces its rows.

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var (
	_ backend.AxisReducer  = (*Backend)(nil)
	_ backend.LogSoftmaxer = (*Backend)(nil)
)

// Modes of axis_reduce_partial.comp.
const (
	axisSum    = 0
	axisMax    = 1
	axisSumExp = 2
)

// runAxisTree dispatches the levels of the tree t over x (t.m rows of t.n)
// on the GL thread; the last writes dst (scale·sum, or the max) and, for
// axisMax, arg. shift (t.m) is read by axisSumExp; any buffer else, as is
// arg for the sums.
func (be *Backend) runAxisTree(t rowTree, mode int, scale float32, x, shift, dst, arg glrt.Arg) error {
	p, err := be.program("axis_reduce_partial.comp")
	if err != nil {
		return err
	}
	p.SetInt("narrow", b2i(t.n <= rowPerThread))
	if t.n <= rowPerThread { // one level, an invocation a row
		p.SetInt("m", t.m)
		p.SetInt("n", t.n)
		p.SetInt("k", 1)
		p.SetInt("mode", mode)
		p.SetInt("level", 0)
		p.SetInt("last", 1)
		p.SetFloat("scale", scale)
		return be.dev.Dispatch(p, groups(t.m), 1, 1, x, x, shift, dst, dst, arg)
	}
	in, n := x, t.n
	for l, k := range t.widths {
		last := l == len(t.widths)-1
		out := dst
		if !last {
			out = glrt.Out(t.ping.buf)
			if l%2 == 1 {
				out = glrt.Out(t.pong.buf)
			}
		}
		p.SetInt("m", t.m)
		p.SetInt("n", n)
		p.SetInt("k", k)
		p.SetInt("mode", mode)
		p.SetInt("level", min(l, 1))
		p.SetInt("last", b2i(last))
		p.SetFloat("scale", scale)
		if err := be.dev.Dispatch(p, rowGroups(t.m, k), 1, 1, x, in, shift, out, dst, arg); err != nil {
			return err
		}
		in, n = glrt.In(out.B), k
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// axisPlan is a reduction of x along a, planned on the caller's side: the
// rows to reduce (x's, or its transpose's in scratch) and the tree.
type axisPlan struct {
	t    rowTree
	tr   scratch // x transposed, for AlongCols
	cols bool
}

func (be *Backend) planAxis(a backend.Axis, s backend.Shape) (axisPlan, error) {
	var p axisPlan
	m, n := s.Rows, s.Cols
	if a == backend.AlongCols {
		p.cols, m, n = true, n, m
		var err error
		if p.tr, err = be.getScratch(s.Len()); err != nil {
			return p, err
		}
	}
	t, err := be.planRowTree(m, n)
	if err != nil {
		be.putScratch(p.tr)
	}
	p.t = t
	return p, err
}

func (p axisPlan) release(be *Backend) {
	p.t.release(be)
	be.putScratch(p.tr)
}

// rows returns the rows the tree reduces, transposing x into scratch first
// for a column reduction; it runs on the GL thread.
func (be *Backend) rows(p axisPlan, x *Tensor) (glrt.Arg, error) {
	if !p.cols {
		return x.in(), nil
	}
	if err := be.transpose(glrt.Out(p.tr.buf), x.in(), x.shape.Rows, x.shape.Cols); err != nil {
		return glrt.Arg{}, err
	}
	return glrt.In(p.tr.buf), nil
}

// reduce queues a reduction of x along a into dst (and arg for max).
func (be *Backend) reduce(op string, a backend.Axis, mode int, scale float32, dst, arg, x backend.Tensor) error {
	if err := be.ready(op, "transpose.comp", "axis_reduce_partial.comp"); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	argOut := d.out()
	if arg != nil {
		argOut = arg.(*Tensor).out()
	}
	plan, err := be.planAxis(a, xt.shape)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer plan.release(be)
	return be.enqueue(op, func() error {
		rows, err := be.rows(plan, xt)
		if err != nil {
			return err
		}
		return be.runAxisTree(plan.t, mode, scale, rows, rows, d.out(), argOut)
	})
}

// ReduceSum sets dst = scale·Σ along a (axis_reduce_partial.comp).
func (be *Backend) ReduceSum(a backend.Axis, scale float32, dst, x backend.Tensor) error {
	if err := backend.Check(be).ReduceSum(a, scale, dst, x); err != nil {
		return err
	}
	return be.reduce("reduce sum", a, axisSum, scale, dst, nil, x)
}

// ReduceMax sets dst and arg to the maxima along a and their first indices
// (axis_reduce_partial.comp).
func (be *Backend) ReduceMax(a backend.Axis, dst, arg, x backend.Tensor) error {
	if err := backend.Check(be).ReduceMax(a, dst, arg, x); err != nil {
		return err
	}
	return be.reduce("reduce max", a, axisMax, 1, dst, arg, x)
}

// ReduceBackward spreads dy over dx (axis_reduce_backward.comp).
func (be *Backend) ReduceBackward(a backend.Axis, scale float32, dx, dy, arg backend.Tensor) error {
	const op = "reduce backward"
	if err := backend.Check(be).ReduceBackward(a, scale, dx, dy, arg); err != nil {
		return err
	}
	if err := be.ready(op, "axis_reduce_backward.comp"); err != nil {
		return err
	}
	d, g := dx.(*Tensor), dy.(*Tensor)
	argIn, hasArg := g.in(), 0
	if arg != nil {
		argIn, hasArg = arg.(*Tensor).in(), 1
	}
	return be.enqueue(op, func() error {
		p, err := be.program("axis_reduce_backward.comp")
		if err != nil {
			return err
		}
		count := d.shape.Len()
		p.SetInt("count", count)
		p.SetInt("n", d.shape.Cols)
		p.SetInt("axis", int(a))
		p.SetInt("has_arg", hasArg)
		p.SetFloat("scale", scale)
		return be.dev.Dispatch(p, groups(count), 1, 1, g.in(), argIn, d.out())
	})
}

// LogSoftmaxForward sets each row of dst to the log-softmax of that row of
// x: the max tree, the tree of Σ exp(x − max) (axis_reduce_partial.comp),
// then log_softmax_forward.comp.
func (be *Backend) LogSoftmaxForward(dst, x backend.Tensor) error {
	const op = "log-softmax forward"
	if err := backend.Check(be).LogSoftmaxForward(dst, x); err != nil {
		return err
	}
	if err := be.ready(op, "axis_reduce_partial.comp", "log_softmax_forward.comp"); err != nil {
		return err
	}
	y, xt := dst.(*Tensor), x.(*Tensor)
	m, n := xt.shape.Rows, xt.shape.Cols
	t, err := be.planRowTree(m, n)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer t.release(be)
	var stats [3]scratch // each row's max, its index, its Σ exp(x − max)
	defer func() {
		for _, s := range stats {
			be.putScratch(s)
		}
	}()
	for i := range stats {
		if stats[i], err = be.getScratch(m); err != nil {
			return fmt.Errorf("gl: %s: %w", op, err)
		}
	}
	mx, arg, sum := stats[0].buf, stats[1].buf, stats[2].buf
	return be.enqueue(op, func() error {
		if err := be.runAxisTree(t, axisMax, 1, xt.in(), xt.in(), glrt.Out(mx), glrt.Out(arg)); err != nil {
			return err
		}
		if err := be.runAxisTree(t, axisSumExp, 1, xt.in(), glrt.In(mx), glrt.Out(sum), glrt.Out(arg)); err != nil {
			return err
		}
		return be.elementPass("log_softmax_forward.comp", m, n, xt.in(), glrt.In(mx), glrt.In(sum), y.out())
	})
}

// LogSoftmaxBackward sets dx = dy − exp(y) ⊙ rowsum(dy): the sum tree
// (axis_reduce_partial.comp), then log_softmax_backward.comp.
func (be *Backend) LogSoftmaxBackward(dx, y, dy backend.Tensor) error {
	const op = "log-softmax backward"
	if err := backend.Check(be).LogSoftmaxBackward(dx, y, dy); err != nil {
		return err
	}
	if err := be.ready(op, "axis_reduce_partial.comp", "log_softmax_backward.comp"); err != nil {
		return err
	}
	d, yt, g := dx.(*Tensor), y.(*Tensor), dy.(*Tensor)
	m, n := yt.shape.Rows, yt.shape.Cols
	t, err := be.planRowTree(m, n)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer t.release(be)
	sums, err := be.getScratch(m)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(sums)
	return be.enqueue(op, func() error {
		s := glrt.Out(sums.buf)
		if err := be.runAxisTree(t, axisSum, 1, g.in(), g.in(), s, s); err != nil {
			return err
		}
		return be.elementPass("log_softmax_backward.comp", m, n, yt.in(), g.in(), glrt.In(sums.buf), d.out())
	})
}
