package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// rowKernel is a per-row loss's kernels: narrow takes rows of up to
// narrowCols in one invocation each (set sets its own uniforms); for longer
// rows wide dispatches the tree passes that write the per-row values into
// rows and the gradient (g, when not nil), on the GL thread, with the
// kernels wideShaders.
type rowKernel struct {
	narrow      string
	set         func(p *glrt.Program)
	wideShaders []string
	wide        func(w wideRows, x, y, g *Tensor, rows scratch, inv float32) error
}

// rowScratch lends a per-row loss over x its buffers: n values of row
// results and, for rows wider than narrowCols, the tree passes' (w.release
// is a no-op otherwise). putRowScratch gives both back after queuing.
func (be *Backend) rowScratch(op string, x *Tensor, n int) (scratch, wideRows, error) {
	rows, err := be.getScratch(n)
	if err != nil {
		return rows, wideRows{}, fmt.Errorf("gl: %s: %w", op, err)
	}
	var w wideRows
	if x.shape.Cols > narrowCols {
		if w, err = be.planWideRows(x.shape.Rows, x.shape.Cols); err != nil {
			be.putScratch(rows)
			return scratch{}, wideRows{}, fmt.Errorf("gl: %s: %w", op, err)
		}
	}
	return rows, w, nil
}

func (be *Backend) putRowScratch(rows scratch, w wideRows) {
	be.putScratch(rows)
	w.release(be)
}

// rowLoss queues a per-row loss kernel writing row losses into a scratch
// buffer and the gradient (when g is not nil), then the average of the rows
// into l.
func (be *Backend) rowLoss(op string, k rowKernel, l, g, x, y *Tensor) error {
	m, wide := x.shape.Rows, x.shape.Cols > narrowCols
	names := []string{"sum.comp", k.narrow}
	if wide {
		names = append(names[:1], k.wideShaders...)
	}
	if err := be.ready(op, names...); err != nil {
		return err
	}
	rows, w, err := be.rowScratch(op, x, m)
	if err != nil {
		return err
	}
	defer be.putRowScratch(rows, w)
	inv := float32(1 / float64(m))
	plan, err := be.planSum(m, inv)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue(op, func() error {
		var err error
		if wide {
			err = k.wide(w, x, y, g, rows, inv)
		} else {
			err = be.rowPass(k.narrow, x, y, g, rows, inv, k.set)
		}
		if err != nil {
			return err
		}
		return be.runSum(plan, l.out(), glrt.In(rows.buf))
	})
}

// rowPass dispatches a per-row loss kernel over the rows of x (labels or
// targets y), writing its per-row values into rows and, when g is not nil,
// the gradient scaled by inv; set sets the kernel's own uniforms. It runs
// on the GL thread.
func (be *Backend) rowPass(shader string, x, y, g *Tensor, rows scratch, inv float32, set func(p *glrt.Program)) error {
	prog, err := be.program(shader)
	if err != nil {
		return err
	}
	gradArg := lossGrad(g, rows)
	m := x.shape.Rows
	prog.SetInt("m", m)
	prog.SetInt("n", x.shape.Cols)
	prog.SetFloat("inv_batch", inv)
	prog.SetInt("with_grad", boolInt(g != nil))
	if set != nil {
		set(prog)
	}
	return be.dev.Dispatch(prog, groups(m), 1, 1, x.in(), y.in(), glrt.Out(rows.buf), gradArg)
}

// SoftmaxCrossEntropy computes the mean cross-entropy of softmax(logits)
// against labels, and its gradient when dlogits is not nil
// (softmax_cross_entropy.comp, then sum.comp; for rows longer than
// narrowCols, softmaxWide's passes, then sum.comp).
func (be *Backend) SoftmaxCrossEntropy(loss, dlogits, logits, labels backend.Tensor) error {
	const op = "softmax cross-entropy"
	if err := backend.Check(be).SoftmaxCrossEntropy(loss, dlogits, logits, labels); err != nil {
		return err
	}
	l, x, y := loss.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	return be.rowLoss(op, rowKernel{
		narrow:      "softmax_cross_entropy.comp",
		wideShaders: softmaxWideShaders,
		wide: func(w wideRows, x, y, g *Tensor, rows scratch, inv float32) error {
			return be.softmaxWide(w, x, y, g, rows, inv, false)
		},
	}, l, g, x, y)
}

// SVMHinge computes the mean multiclass hinge loss and its gradient when
// dscores is not nil (svm_hinge.comp, then sum.comp; for rows longer than
// narrowCols, svmHingeWide's passes, then sum.comp).
func (be *Backend) SVMHinge(loss, dscores, scores, labels backend.Tensor, margin float32) error {
	const op = "svm hinge"
	if err := backend.Check(be).SVMHinge(loss, dscores, scores, labels, margin); err != nil {
		return err
	}
	l, s, y := loss.(*Tensor), scores.(*Tensor), labels.(*Tensor)
	g, _ := dscores.(*Tensor) // nil: no gradient wanted
	return be.rowLoss(op, rowKernel{
		narrow:      "svm_hinge.comp",
		set:         func(p *glrt.Program) { p.SetFloat("margin", margin) },
		wideShaders: []string{"svm_hinge_partial.comp", "row_partial_sum.comp", "svm_hinge_finish.comp"},
		wide: func(w wideRows, x, y, g *Tensor, rows scratch, inv float32) error {
			return be.svmHingeWide(w, x, y, g, rows, inv, margin)
		},
	}, l, g, s, y)
}

// MeanSquaredError computes the mean of (pred − target)² and its gradient
// when dpred is not nil (mean_squared_error.comp, then sum.comp).
func (be *Backend) MeanSquaredError(loss, dpred, pred, target backend.Tensor) error {
	const op = "mean squared error"
	if err := backend.Check(be).MeanSquaredError(loss, dpred, pred, target); err != nil {
		return err
	}
	l, p, y := loss.(*Tensor), pred.(*Tensor), target.(*Tensor)
	g, _ := dpred.(*Tensor) // nil: no gradient wanted
	if err := be.ready(op, "mean_squared_error.comp", "sum.comp"); err != nil {
		return err
	}
	n := p.shape.Len()
	inv := float32(1 / float64(n))
	sq, err := be.getScratch(n)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(sq)
	plan, err := be.planSum(n, inv)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue(op, func() error {
		prog, err := be.program("mean_squared_error.comp")
		if err != nil {
			return err
		}
		gradArg := glrt.Out(sq.buf)
		if g != nil {
			gradArg = g.out()
		}
		prog.SetInt("n", n)
		prog.SetFloat("inv_count", inv)
		prog.SetInt("with_grad", boolInt(g != nil))
		if err := be.dev.Dispatch(prog, groups(n), 1, 1, p.in(), y.in(), glrt.Out(sq.buf), gradArg); err != nil {
			return err
		}
		return be.runSum(plan, l.out(), glrt.In(sq.buf))
	})
}

// lossGrad binds a loss kernel's gradient output: g, or, when the caller
// wants no gradient (with_grad 0), the row scratch, which the kernel then
// does not touch.
func lossGrad(g *Tensor, rows scratch) glrt.Arg {
	if g == nil {
		return glrt.Out(rows.buf)
	}
	return g.out()
}
