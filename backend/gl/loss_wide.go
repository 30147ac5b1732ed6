package gl

// The losses over rows longer than narrowCols (see rowreduce.go): trees of
// work groups find each row's maximum and sum its terms, then one pass
// over the elements writes the row values and the gradient with the
// narrow kernels' arithmetic.

import "gltrain/backend/gl/internal/glrt"

// wideRows is what a wide loss lends on the caller's side: the tree's plan
// and scratch, best (m argmax records) and sums (m pairs of sums).
type wideRows struct {
	tree       rowTree
	best, sums scratch
}

// planWideRows lends the scratch of a wide loss over m rows of n.
func (be *Backend) planWideRows(m, n int) (wideRows, error) {
	var w wideRows
	var err error
	if w.tree, err = be.planRowTree(m, n); err != nil {
		return w, err
	}
	if w.best, err = be.getScratch(2 * m); err == nil {
		w.sums, err = be.getScratch(2 * m)
	}
	if err != nil {
		w.release(be)
	}
	return w, err
}

// release puts the scratch back in the pool.
func (w wideRows) release(be *Backend) {
	w.tree.release(be)
	be.putScratch(w.best)
	be.putScratch(w.sums)
}

// softmaxWideShaders are the kernels of softmaxWide.
var softmaxWideShaders = []string{"row_argmax_partial.comp", "softmax_cross_entropy_partial.comp",
	"row_partial_sum.comp", "softmax_cross_entropy_finish.comp"}

// softmaxWide is softmax_cross_entropy.comp (withHit false) or
// softmax_cross_entropy_count.comp (withHit true, rows of 2·m) for long
// rows, on the GL thread: the argmax tree gives each row's first maximum
// x_a and whether it holds NaN, the sum tree u = Σ_{j≠a} exp(x_j − x_a) in
// a fixed order, and softmax_cross_entropy_finish.comp the row values and
// the gradient (when g is not nil) from those, as the narrow kernels do.
// The passes are the same with and without the hit, so SoftmaxCrossEntropy
// and SoftmaxCrossEntropyCount give the same bits.
func (be *Backend) softmaxWide(w wideRows, x, y, g *Tensor, rows scratch, inv float32, withHit bool) error {
	m, n := x.shape.Rows, x.shape.Cols
	if err := be.softmaxRowStats(w, x, y.in()); err != nil {
		return err
	}
	fin, err := be.program("softmax_cross_entropy_finish.comp")
	if err != nil {
		return err
	}
	gradArg := lossGrad(g, rows)
	fin.SetInt("m", m)
	fin.SetInt("n", n)
	fin.SetFloat("inv_batch", inv)
	fin.SetInt("with_grad", boolInt(g != nil))
	fin.SetInt("with_hit", boolInt(withHit))
	return be.dev.Dispatch(fin, finishGroups(m, n, g != nil), 1, 1,
		x.in(), y.in(), glrt.In(w.best.buf), glrt.In(w.sums.buf), glrt.Out(rows.buf), gradArg)
}

// softmaxRowStats writes, on the GL thread, each row of x's first maximum
// x_a and NaN flag into w.best (the argmax tree's records) and
// u = Σ_{j≠a} exp(x_j − x_a) into w.sums (softmax_cross_entropy_partial.comp,
// then row_partial_sum.comp): what softmax_cross_entropy_finish.comp and
// softmax_forward.comp need of a long row. spare is any buffer, for the
// argmax tree's unused labels binding.
func (be *Backend) softmaxRowStats(w wideRows, x *Tensor, spare glrt.Arg) error {
	m, n := x.shape.Rows, x.shape.Cols
	if err := be.runArgmaxTree(w.tree, x.in(), spare, glrt.Out(w.best.buf), argmaxRecords); err != nil {
		return err
	}
	part, err := be.program("softmax_cross_entropy_partial.comp")
	if err != nil {
		return err
	}
	return be.runRowSums(w.tree, glrt.Out(w.sums.buf), func(out glrt.Arg, k int) error {
		part.SetInt("m", m)
		part.SetInt("n", n)
		part.SetInt("k", k)
		return be.dev.Dispatch(part, rowGroups(m, k), 1, 1, x.in(), glrt.In(w.best.buf), out)
	})
}

// svmHingeWide is svm_hinge.comp for long rows, on the GL thread: the sum
// tree gives each row's loss and its count of classes inside the margin
// in a fixed order, and svm_hinge_finish.comp the row losses and the
// gradient (when g is not nil).
func (be *Backend) svmHingeWide(w wideRows, s, y, g *Tensor, rows scratch, inv, margin float32) error {
	m, n := s.shape.Rows, s.shape.Cols
	part, err := be.program("svm_hinge_partial.comp")
	if err != nil {
		return err
	}
	err = be.runRowSums(w.tree, glrt.Out(w.sums.buf), func(out glrt.Arg, k int) error {
		part.SetInt("m", m)
		part.SetInt("n", n)
		part.SetInt("k", k)
		part.SetFloat("margin", margin)
		return be.dev.Dispatch(part, rowGroups(m, k), 1, 1, s.in(), y.in(), out)
	})
	if err != nil {
		return err
	}
	fin, err := be.program("svm_hinge_finish.comp")
	if err != nil {
		return err
	}
	gradArg := lossGrad(g, rows)
	fin.SetInt("m", m)
	fin.SetInt("n", n)
	fin.SetFloat("margin", margin)
	fin.SetFloat("inv_batch", inv)
	fin.SetInt("with_grad", boolInt(g != nil))
	return be.dev.Dispatch(fin, finishGroups(m, n, g != nil), 1, 1,
		s.in(), y.in(), glrt.In(w.sums.buf), glrt.Out(rows.buf), gradArg)
}

// finishGroups is the dispatch of a wide loss's last pass: an invocation
// per element with a gradient, per row without.
func finishGroups(m, n int, grad bool) int {
	if grad {
		return groups(m * n)
	}
	return groups(m)
}
