package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.RegressionLosser = (*Backend)(nil)

// L1Loss computes the mean of |pred − target| and its gradient when dpred
// is not nil (l1_loss.comp, then sum.comp).
func (be *Backend) L1Loss(loss, dpred, pred, target backend.Tensor) error {
	if err := backend.Check(be).L1Loss(loss, dpred, pred, target); err != nil {
		return err
	}
	return be.elementLoss("l1 loss", "l1_loss.comp", loss, dpred, pred, target, nil)
}

// HuberLoss computes the mean Huber loss of pred − target with threshold
// delta and its gradient when dpred is not nil (huber_loss.comp, then
// sum.comp).
func (be *Backend) HuberLoss(loss, dpred, pred, target backend.Tensor, delta float32) error {
	if err := backend.Check(be).HuberLoss(loss, dpred, pred, target, delta); err != nil {
		return err
	}
	return be.elementLoss("huber loss", "huber_loss.comp", loss, dpred, pred, target,
		func(p *glrt.Program) { p.SetFloat("delta", delta) })
}

// BCEWithLogits computes the mean binary cross-entropy of σ(logits)
// against target and its gradient when dlogits is not nil
// (bce_with_logits.comp, then sum.comp).
func (be *Backend) BCEWithLogits(loss, dlogits, logits, target backend.Tensor) error {
	if err := backend.Check(be).BCEWithLogits(loss, dlogits, logits, target); err != nil {
		return err
	}
	return be.elementLoss("bce with logits", "bce_with_logits.comp", loss, dlogits, logits, target, nil)
}

// elementLoss queues an elementwise loss kernel (bindings: pred, target,
// per-element values, gradient, then extra; uniforms n, inv_count,
// with_grad and those set sets) over every element, then sum.comp's deterministic tree of the
// values scaled by 1/count into loss: MeanSquaredError's plan, with the
// values in a pooled scratch buffer.
func (be *Backend) elementLoss(op, shader string, loss, grad, pred, target backend.Tensor, set func(p *glrt.Program), extra ...glrt.Arg) error {
	l, p, y := loss.(*Tensor), pred.(*Tensor), target.(*Tensor)
	g, _ := grad.(*Tensor) // nil: no gradient wanted
	if err := be.ready(op, shader, "sum.comp"); err != nil {
		return err
	}
	n := p.shape.Len()
	inv := float32(1 / float64(n))
	vals, err := be.getScratch(n)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(vals)
	plan, err := be.planSum(n, inv)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue(op, func() error {
		prog, err := be.program(shader)
		if err != nil {
			return err
		}
		gradArg := glrt.Out(vals.buf)
		if g != nil {
			gradArg = g.out()
		}
		prog.SetInt("n", n)
		prog.SetFloat("inv_count", inv)
		prog.SetInt("with_grad", boolInt(g != nil))
		if set != nil {
			set(prog)
		}
		args := [6]glrt.Arg{p.in(), y.in(), glrt.Out(vals.buf), gradArg}
		copy(args[4:], extra)
		if err := be.dev.Dispatch(prog, groups(n), 1, 1, args[:4+len(extra)]...); err != nil {
			return err
		}
		return be.runSum(plan, l.out(), glrt.In(vals.buf))
	})
}
