package gl

import (
	"errors"
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.WeightedLosser = (*Backend)(nil)

// SoftmaxCrossEntropyWeighted computes PyTorch's cross-entropy with class
// weights (nil: all 1) and label smoothing, and its gradient when dlogits
// is not nil: softmax_cross_entropy_weighted.comp writes the unnormalised
// row losses, the rows' label weights and gradient, sum_pair.comp sums
// both (sum.comp's deterministic tree), and
// softmax_cross_entropy_weighted_finish.comp divides by the weight sum.
// Rows longer than narrowCols classes are refused (errors.ErrUnsupported):
// the row kernel loops over its row.
func (be *Backend) SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight backend.Tensor, smoothing float32) error {
	const op = "weighted softmax cross-entropy"
	if err := backend.Check(be).SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight, smoothing); err != nil {
		return err
	}
	l, x, y := loss.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	w, _ := weight.(*Tensor)  // nil: all weights 1
	m, n := x.shape.Rows, x.shape.Cols
	if n > narrowCols {
		return fmt.Errorf("gl: %s: logits %v: more than %d classes: %w", op, x.shape, narrowCols, errors.ErrUnsupported)
	}
	const rowShader, finish = "softmax_cross_entropy_weighted.comp", "softmax_cross_entropy_weighted_finish.comp"
	if err := be.ready(op, rowShader, "sum_pair.comp", finish); err != nil {
		return err
	}
	vals, err := be.getScratch(2 * m)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(vals)
	sums, err := be.getScratch(2)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(sums)
	wsum, err := be.getScratch(1)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.putScratch(wsum)
	plan, err := be.planSumPair(m, 1, 1)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue(op, func() error {
		prog, err := be.program(rowShader)
		if err != nil {
			return err
		}
		weightArg, gradArg, count := x.in(), glrt.Out(vals.buf), 0
		if w != nil {
			weightArg = w.in()
		}
		if g != nil {
			gradArg, count = g.out(), m*n
		}
		prog.SetInt("m", m)
		prog.SetInt("n", n)
		prog.SetInt("has_weight", boolInt(w != nil))
		prog.SetFloat("eps", smoothing)
		prog.SetInt("with_grad", boolInt(g != nil))
		if err := be.dev.Dispatch(prog, groups(m), 1, 1, x.in(), y.in(), weightArg, glrt.Out(vals.buf), gradArg); err != nil {
			return err
		}
		if err := be.runSumPair(plan, glrt.Out(sums.buf), glrt.Out(wsum.buf), glrt.In(vals.buf)); err != nil {
			return err
		}
		fin, err := be.program(finish)
		if err != nil {
			return err
		}
		gradArg = glrt.InOut(sums.buf) // unused when count is 0
		if g != nil {
			gradArg = g.inOut()
		}
		fin.SetInt("count", count)
		return be.dev.Dispatch(fin, groups(max(count, 1)), 1, 1, glrt.In(sums.buf), glrt.In(wsum.buf), l.out(), gradArg)
	})
}
