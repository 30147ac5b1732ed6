package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.SoftmaxCrossEntropyCounter = (*Backend)(nil)

// SoftmaxCrossEntropyCount computes SoftmaxCrossEntropy's loss and gradient
// (when dlogits is not nil) and CountCorrect's count in two dispatches where
// those two calls take four: softmax_cross_entropy_count.comp writes each
// row's loss and hit side by side into one scratch buffer, then
// sum_pair.comp reduces both halves at once, in sum.comp's order, so the
// results are the unfused calls' bits. Beyond 1024 rows the reduction takes
// two passes, as sum.comp's does: three dispatches instead of six. Rows
// longer than narrowCols take softmaxWide's passes, as SoftmaxCrossEntropy's
// do, with the hits written beside the losses.
func (be *Backend) SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels backend.Tensor) error {
	const op = "softmax cross-entropy count"
	if err := backend.Check(be).SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels); err != nil {
		return err
	}
	l, c, x, y := loss.(*Tensor), correct.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	m, wide := x.shape.Rows, x.shape.Cols > narrowCols
	names := []string{"sum_pair.comp", "softmax_cross_entropy_count.comp"}
	if wide {
		names = append(names[:1], softmaxWideShaders...)
	}
	if err := be.ready(op, names...); err != nil {
		return err
	}
	rows, w, err := be.rowScratch(op, x, 2*m) // row losses, then row hits
	if err != nil {
		return err
	}
	defer be.putRowScratch(rows, w)
	inv := float32(1 / float64(m))
	plan, err := be.planSumPair(m, inv, 1)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue(op, func() error {
		var err error
		if wide {
			err = be.softmaxWide(w, x, y, g, rows, inv, true)
		} else {
			err = be.rowPass("softmax_cross_entropy_count.comp", x, y, g, rows, inv, nil)
		}
		if err != nil {
			return err
		}
		return be.runSumPair(plan, l.out(), c.out(), glrt.In(rows.buf))
	})
}

// sumPairPlan is two sums of n elements each, x[0:n] and x[n:2n], with
// sum_pair.comp, grouped exactly as planSum groups one sum of n (so each
// result has sum.comp's bits): one pass when one group suffices, else
// groups partial sums of each half into a scratch buffer of 2·groups, then
// one group.
type sumPairPlan struct {
	n, groups      int
	scaleA, scaleB float32
	partial        scratch // when groups > 1
}

// planSumPair prepares the two sums on the caller's side, lending them a
// scratch buffer when they need two passes; the caller puts it back after
// queuing.
func (be *Backend) planSumPair(n int, scaleA, scaleB float32) (sumPairPlan, error) {
	g := min((n+glrt.WorkGroup*sumPerThread-1)/(glrt.WorkGroup*sumPerThread), maxSumGroups)
	p := sumPairPlan{n: n, groups: g, scaleA: scaleA, scaleB: scaleB}
	if g > 1 {
		var err error
		if p.partial, err = be.getScratch(2 * g); err != nil {
			return p, fmt.Errorf("gl: sum pair: %w", err)
		}
	}
	return p, nil
}

// runSumPair sets dstA[0] = scaleA·Σ x[0:n] and dstB[0] = scaleB·Σ x[n:2n]
// as planned; it runs on the GL thread.
func (be *Backend) runSumPair(s sumPairPlan, dstA, dstB, x glrt.Arg) error {
	p, err := be.program("sum_pair.comp")
	if err != nil {
		return err
	}
	set := func(n, outOffB int, scaleA, scaleB float32) {
		p.SetInt("n", n)
		p.SetInt("off_b", n)
		p.SetInt("out_off_b", outOffB)
		p.SetFloat("scale_a", scaleA)
		p.SetFloat("scale_b", scaleB)
	}
	if s.groups <= 1 {
		set(s.n, 0, s.scaleA, s.scaleB)
		return be.dev.Dispatch(p, 1, 1, 1, x, dstA, dstB)
	}
	partial := glrt.Out(s.partial.buf)
	set(s.n, s.groups, 1, 1)
	if err := be.dev.Dispatch(p, s.groups, 1, 1, x, partial, partial); err != nil {
		return err
	}
	set(s.groups, 0, s.scaleA, s.scaleB)
	return be.dev.Dispatch(p, 1, 1, 1, glrt.In(s.partial.buf), dstA, dstB)
}
