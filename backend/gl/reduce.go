package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// sumPerThread is how many elements each invocation of the first sum pass
// adds before the tree: it bounds the partial sums to n/(4·wg), at most
// maxSumGroups, which the second pass's single group adds.
const (
	sumPerThread = 4
	maxSumGroups = 1024
)

// sumInto sets dst[0] = scale·Σ x[0:n] with sum.comp: one pass when one
// group suffices, else partial sums into a scratch buffer, then one group.
// For a given n the grouping, and so the order of additions, is fixed.
func (be *Backend) sumInto(dst, x *glrt.Buffer, n int, scale float32) error {
	p, err := be.program("sum.comp")
	if err != nil {
		return err
	}
	g := min((n+glrt.WorkGroup*sumPerThread-1)/(glrt.WorkGroup*sumPerThread), maxSumGroups)
	if g <= 1 {
		p.SetInt("n", n)
		p.SetFloat("scale", scale)
		be.dev.Dispatch(p, 1, 1, 1, glrt.In(x), glrt.Out(dst))
		return nil
	}
	return be.scratch(g, func(partial *glrt.Buffer) error {
		p.SetInt("n", n)
		p.SetFloat("scale", 1)
		be.dev.Dispatch(p, g, 1, 1, glrt.In(x), glrt.Out(partial))
		p.SetInt("n", g)
		p.SetFloat("scale", scale)
		be.dev.Dispatch(p, 1, 1, 1, glrt.In(partial), glrt.Out(dst))
		return nil
	})
}

// Sum sets dst (1×1) to the sum of x (sum.comp).
func (be *Backend) Sum(dst, x backend.Tensor) error {
	return be.do("sum", func() error {
		var t [2]*Tensor
		if err := be.tensors("sum", t[:], dst, x); err != nil {
			return err
		}
		if err := backend.CheckReduce("sum", t[0].shape, t[1].shape, backend.Shape{Rows: 1, Cols: 1}); err != nil {
			return err
		}
		return be.sumInto(t[0].buf, t[1].buf, t[1].shape.Len(), 1)
	})
}

// ColSum sets dst (1×n) to the column sums of x (col_sum.comp).
func (be *Backend) ColSum(dst, x backend.Tensor) error {
	return be.do("column sum", func() error {
		var t [2]*Tensor
		if err := be.tensors("column sum", t[:], dst, x); err != nil {
			return err
		}
		xs := t[1].shape
		if err := backend.CheckReduce("column sum", t[0].shape, xs, backend.Shape{Rows: 1, Cols: xs.Cols}); err != nil {
			return err
		}
		p, err := be.program("col_sum.comp")
		if err != nil {
			return err
		}
		p.SetInt("m", xs.Rows)
		p.SetInt("n", xs.Cols)
		// col_sum.comp's work groups cover 16 columns each.
		be.dev.Dispatch(p, glrt.Cap((xs.Cols+15)/16), 1, 1, glrt.In(t[1].buf), glrt.Out(t[0].buf))
		return nil
	})
}

// Argmax sets dst (m×1) to each row's index of its largest element (argmax.comp).
func (be *Backend) Argmax(dst, x backend.Tensor) error {
	return be.do("argmax", func() error {
		var t [2]*Tensor
		if err := be.tensors("argmax", t[:], dst, x); err != nil {
			return err
		}
		xs := t[1].shape
		if err := backend.CheckReduce("argmax", t[0].shape, xs, backend.Shape{Rows: xs.Rows, Cols: 1}); err != nil {
			return err
		}
		p, err := be.program("argmax.comp")
		if err != nil {
			return err
		}
		p.SetInt("m", xs.Rows)
		p.SetInt("n", xs.Cols)
		be.dev.Dispatch(p, groups(xs.Rows), 1, 1, glrt.In(t[1].buf), glrt.Out(t[0].buf))
		return nil
	})
}

// CountCorrect sets dst (1×1) to the number of rows whose argmax equals the
// label (count_correct.comp, then sum.comp).
func (be *Backend) CountCorrect(dst, scores, labels backend.Tensor) error {
	return be.do("count correct", func() error {
		var t [3]*Tensor
		if err := be.tensors("count correct", t[:], dst, scores, labels); err != nil {
			return err
		}
		ss := t[1].shape
		if err := backend.CheckCountCorrect(t[0].shape, ss, t[2].shape); err != nil {
			return err
		}
		p, err := be.program("count_correct.comp")
		if err != nil {
			return err
		}
		return be.scratch(ss.Rows, func(hit *glrt.Buffer) error {
			p.SetInt("m", ss.Rows)
			p.SetInt("n", ss.Cols)
			be.dev.Dispatch(p, groups(ss.Rows), 1, 1, glrt.In(t[1].buf), glrt.In(t[2].buf), glrt.Out(hit))
			return be.sumInto(t[0].buf, hit, ss.Rows, 1)
		})
	})
}
