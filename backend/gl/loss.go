package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// lossTensors resolves the tensors of a loss (grad may be nil) and checks
// them with backend.CheckLoss.
func (be *Backend) lossTensors(op string, loss, grad, pred, target backend.Tensor, labels bool) (l, g, p, y *Tensor, err error) {
	var t [3]*Tensor
	if err := be.tensors(op, t[:], loss, pred, target); err != nil {
		return nil, nil, nil, nil, err
	}
	if grad != nil {
		if g, err = be.tensor(op, grad); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return t[0], g, t[1], t[2], backend.CheckLoss(op, loss, grad, pred, target, labels)
}

// rowLoss runs a per-row loss kernel writing row losses into a scratch
// buffer and the gradient (when g is not nil), then averages the rows into l.
func (be *Backend) rowLoss(shader string, l, g, x, y *Tensor, set func(p *glrt.Program)) error {
	prog, err := be.program(shader)
	if err != nil {
		return err
	}
	m, n := x.shape.Rows, x.shape.Cols
	return be.scratch(m, func(rows *glrt.Buffer) error {
		gradArg := glrt.Out(rows) // unused when with_grad is 0
		if g != nil {
			gradArg = glrt.Out(g.buf)
		}
		prog.SetInt("m", m)
		prog.SetInt("n", n)
		prog.SetFloat("inv_batch", float32(1/float64(m)))
		prog.SetInt("with_grad", boolInt(g != nil))
		set(prog)
		be.dev.Dispatch(prog, groups(m), 1, 1, glrt.In(x.buf), glrt.In(y.buf), glrt.Out(rows), gradArg)
		return be.sumInto(l.buf, rows, m, float32(1/float64(m)))
	})
}

// SoftmaxCrossEntropy computes the mean cross-entropy of softmax(logits)
// against labels, and its gradient when dlogits is not nil
// (softmax_cross_entropy.comp, then sum.comp).
func (be *Backend) SoftmaxCrossEntropy(loss, dlogits, logits, labels backend.Tensor) error {
	const op = "softmax cross-entropy"
	return be.do(op, func() error {
		l, g, x, y, err := be.lossTensors(op, loss, dlogits, logits, labels, true)
		if err != nil {
			return err
		}
		return be.rowLoss("softmax_cross_entropy.comp", l, g, x, y, func(*glrt.Program) {})
	})
}

// SVMHinge computes the mean multiclass hinge loss and its gradient when
// dscores is not nil (svm_hinge.comp, then sum.comp).
func (be *Backend) SVMHinge(loss, dscores, scores, labels backend.Tensor, margin float32) error {
	const op = "svm hinge"
	return be.do(op, func() error {
		l, g, s, y, err := be.lossTensors(op, loss, dscores, scores, labels, true)
		if err != nil {
			return err
		}
		if err := backend.CheckMargin(op, margin); err != nil {
			return err
		}
		return be.rowLoss("svm_hinge.comp", l, g, s, y, func(p *glrt.Program) { p.SetFloat("margin", margin) })
	})
}

// MeanSquaredError computes the mean of (pred − target)² and its gradient
// when dpred is not nil (mean_squared_error.comp, then sum.comp).
func (be *Backend) MeanSquaredError(loss, dpred, pred, target backend.Tensor) error {
	const op = "mean squared error"
	return be.do(op, func() error {
		l, g, p, y, err := be.lossTensors(op, loss, dpred, pred, target, false)
		if err != nil {
			return err
		}
		prog, err := be.program("mean_squared_error.comp")
		if err != nil {
			return err
		}
		n := p.shape.Len()
		inv := float32(1 / float64(n))
		return be.scratch(n, func(sq *glrt.Buffer) error {
			gradArg := glrt.Out(sq)
			if g != nil {
				gradArg = glrt.Out(g.buf)
			}
			prog.SetInt("n", n)
			prog.SetFloat("inv_count", inv)
			prog.SetInt("with_grad", boolInt(g != nil))
			be.dev.Dispatch(prog, groups(n), 1, 1, glrt.In(p.buf), glrt.In(y.buf), glrt.Out(sq), gradArg)
			return be.sumInto(l.buf, sq, n, inv)
		})
	})
}
