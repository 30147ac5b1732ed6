package gl

// The row-wise softmax and its gradient: a reduction per row (the row's
// maximum and its sum of exponentials forward, Σ dy·y backward), then one
// invocation per element. Rows of up to narrowCols are reduced one
// invocation per row (softmax_*_rows.comp); longer ones by the trees of
// rowreduce.go, so no invocation loops over more than narrowCols elements.
// Both end in the same elementwise kernel, so narrow and wide rows differ
// only in the order of their sums.

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.Softmaxer = (*Backend)(nil)

var (
	softmaxForwardShaders = []string{"softmax_forward_rows.comp", "softmax_forward.comp"}
	softmaxForwardWide    = []string{"row_argmax_partial.comp", "softmax_cross_entropy_partial.comp",
		"row_partial_sum.comp", "softmax_forward.comp"}
	softmaxBackwardShaders = []string{"softmax_backward_rows.comp", "softmax_backward.comp"}
	softmaxBackwardWide    = []string{"softmax_backward_partial.comp", "row_partial_sum.comp", "softmax_backward.comp"}
)

// SoftmaxForward sets each row of dst to the softmax of that row of x
// (softmax_forward_rows.comp or, for rows longer than narrowCols, the
// argmax and sum trees; then softmax_forward.comp).
func (be *Backend) SoftmaxForward(dst, x backend.Tensor) error {
	const op = "softmax forward"
	if err := backend.Check(be).SoftmaxForward(dst, x); err != nil {
		return err
	}
	y, xt := dst.(*Tensor), x.(*Tensor)
	m, n := xt.shape.Rows, xt.shape.Cols
	wide := n > narrowCols
	names := softmaxForwardShaders
	if wide {
		names = softmaxForwardWide
	}
	if err := be.ready(op, names...); err != nil {
		return err
	}
	w, err := be.planWideRows(m, n) // a one-level tree, without scratch, for narrow rows
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer w.release(be)
	return be.enqueue(op, func() error {
		var err error
		if wide {
			err = be.softmaxRowStats(w, xt, xt.in())
		} else {
			err = be.rowsPass("softmax_forward_rows.comp", m, n, xt.in(), glrt.Out(w.best.buf), glrt.Out(w.sums.buf))
		}
		if err != nil {
			return err
		}
		return be.elementPass("softmax_forward.comp", m, n, xt.in(), glrt.In(w.best.buf), glrt.In(w.sums.buf), y.out())
	})
}

// SoftmaxBackward sets dx = y ⊙ (dy − rowsum(dy ⊙ y))
// (softmax_backward_rows.comp or, for rows longer than narrowCols,
// softmax_backward_partial.comp and row_partial_sum.comp; then
// softmax_backward.comp).
func (be *Backend) SoftmaxBackward(dx, y, dy backend.Tensor) error {
	const op = "softmax backward"
	if err := backend.Check(be).SoftmaxBackward(dx, y, dy); err != nil {
		return err
	}
	dxt, yt, dyt := dx.(*Tensor), y.(*Tensor), dy.(*Tensor)
	m, n := yt.shape.Rows, yt.shape.Cols
	wide := n > narrowCols
	names := softmaxBackwardShaders
	if wide {
		names = softmaxBackwardWide
	}
	if err := be.ready(op, names...); err != nil {
		return err
	}
	tree, err := be.planRowTree(m, n)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer tree.release(be)
	sums, err := be.getScratch(2 * m)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(sums)
	return be.enqueue(op, func() error {
		var err error
		if wide {
			err = be.softmaxBackwardSums(tree, yt, dyt, glrt.Out(sums.buf))
		} else {
			err = be.rowsPass("softmax_backward_rows.comp", m, n, yt.in(), dyt.in(), glrt.Out(sums.buf))
		}
		if err != nil {
			return err
		}
		return be.elementPass("softmax_backward.comp", m, n, yt.in(), dyt.in(), glrt.In(sums.buf), dxt.out())
	})
}

// softmaxBackwardSums writes s = Σ_k dy[i,k]·y[i,k] of each long row into
// sums, on the GL thread (softmax_backward_partial.comp, then
// row_partial_sum.comp).
func (be *Backend) softmaxBackwardSums(t rowTree, y, dy *Tensor, sums glrt.Arg) error {
	part, err := be.program("softmax_backward_partial.comp")
	if err != nil {
		return err
	}
	return be.runRowSums(t, sums, func(out glrt.Arg, k int) error {
		part.SetInt("m", t.m)
		part.SetInt("n", t.n)
		part.SetInt("k", k)
		return be.dev.Dispatch(part, rowGroups(t.m, k), 1, 1, y.in(), dy.in(), out)
	})
}

// rowsPass dispatches a kernel of one invocation per row of m rows of n,
// with uniforms m and n, on the GL thread.
func (be *Backend) rowsPass(shader string, m, n int, args ...glrt.Arg) error {
	p, err := be.program(shader)
	if err != nil {
		return err
	}
	p.SetInt("m", m)
	p.SetInt("n", n)
	return be.dev.Dispatch(p, groups(m), 1, 1, args...)
}

// elementPass dispatches a kernel of one invocation per element of m rows
// of n, with uniforms count (m·n) and n, on the GL thread.
func (be *Backend) elementPass(shader string, m, n int, args ...glrt.Arg) error {
	p, err := be.program(shader)
	if err != nil {
		return err
	}
	p.SetInt("count", m*n)
	p.SetInt("n", n)
	return be.dev.Dispatch(p, groups(m*n), 1, 1, args...)
}
