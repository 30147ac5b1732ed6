package gl

import (
	"fmt"

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

// sumPlan is a sum of n elements with sum.comp: one pass when one group
// suffices, else groups partial sums into a scratch buffer, then one group.
// For a given n the grouping, and so the order of additions, is fixed.
type sumPlan struct {
	n, groups int
	scale     float32
	partial   scratch // when groups > 1
}

// planSum prepares a sum on the caller's side, lending it a scratch buffer
// when it needs two passes; the caller puts that back after queuing.
func (be *Backend) planSum(n int, scale float32) (sumPlan, error) {
	g := min((n+glrt.WorkGroup*sumPerThread-1)/(glrt.WorkGroup*sumPerThread), maxSumGroups)
	p := sumPlan{n: n, groups: g, scale: scale}
	if g > 1 {
		var err error
		if p.partial, err = be.getScratch(g); err != nil {
			return p, fmt.Errorf("gl: sum: %w", err)
		}
	}
	return p, nil
}

// runSum sets dst[0] = scale·Σ x[0:n] as planned; it runs on the GL thread.
func (be *Backend) runSum(s sumPlan, dst, x glrt.Arg) error {
	p, err := be.program("sum.comp")
	if err != nil {
		return err
	}
	if s.groups <= 1 {
		p.SetInt("n", s.n)
		p.SetFloat("scale", s.scale)
		return be.dev.Dispatch(p, 1, 1, 1, x, dst)
	}
	p.SetInt("n", s.n)
	p.SetFloat("scale", 1)
	if err := be.dev.Dispatch(p, s.groups, 1, 1, x, glrt.Out(s.partial.buf)); err != nil {
		return err
	}
	p.SetInt("n", s.groups)
	p.SetFloat("scale", s.scale)
	return be.dev.Dispatch(p, 1, 1, 1, glrt.In(s.partial.buf), dst)
}

// Sum sets dst (1×1) to the sum of x (sum.comp).
func (be *Backend) Sum(dst, x backend.Tensor) error {
	if err := backend.Check(be).Sum(dst, x); err != nil {
		return err
	}
	if err := be.ready("sum", "sum.comp"); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	plan, err := be.planSum(xt.shape.Len(), 1)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue("sum", func() error { return be.runSum(plan, d.out(), xt.in()) })
}

// Column sums over many rows. Up to colSumNarrow rows one col_sum.comp
// dispatch sums each column (at most 4096 rows an invocation, well below
// llvmpipe's cap of about 65,535 loop iterations). Beyond, each work group
// sums a block of colSumRows rows (256 an invocation) into a partial row,
// and the partial rows are summed the same way, level after level, until
// one is left: a fixed order for a given m, so the same bits every run.
const (
	colSumRows   = 4096
	colSumNarrow = 65536
)

// colSumLevels returns the rows each col_sum.comp level of m rows leaves:
// ⌈m/colSumRows⌉, and so on down to 1; just 1 up to colSumNarrow rows.
func colSumLevels(m int) []int {
	if m <= colSumNarrow {
		return []int{1}
	}
	var rows []int
	for m > 1 {
		m = (m + colSumRows - 1) / colSumRows
		rows = append(rows, m)
	}
	return rows
}

// ColSum sets dst (1×n) to the column sums of x (col_sum.comp, in levels
// beyond colSumNarrow rows).
func (be *Backend) ColSum(dst, x backend.Tensor) error {
	if err := backend.Check(be).ColSum(dst, x); err != nil {
		return err
	}
	if err := be.ready("column sum", "col_sum.comp"); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	xs := xt.shape
	levels := colSumLevels(xs.Rows)
	var tmp [2]scratch // levels before the last write these in turn
	defer func() { be.putScratch(tmp[0]); be.putScratch(tmp[1]) }()
	for l := 0; l < min(2, len(levels)-1); l++ {
		var err error
		if tmp[l], err = be.getScratch(levels[l] * xs.Cols); err != nil {
			return fmt.Errorf("gl: column sum: %w", err)
		}
	}
	return be.enqueue("column sum", func() error {
		p, err := be.program("col_sum.comp")
		if err != nil {
			return err
		}
		p.SetInt("n", xs.Cols)
		in, m := xt.in(), xs.Rows
		for l, rows := range levels {
			out := d.out()
			if l < len(levels)-1 {
				out = glrt.Out(tmp[l%2].buf)
			}
			per := colSumRows
			if rows == 1 {
				per = m // one block: today's single pass for narrow m
			}
			p.SetInt("m", m)
			p.SetInt("rows_per_group", per)
			// col_sum.comp's work groups cover 16 columns of a block each.
			if err := be.dev.Dispatch(p, glrt.Cap((xs.Cols+15)/16), glrt.Cap(rows), 1, in, out); err != nil {
				return err
			}
			in, m = glrt.In(out.B), rows
		}
		return nil
	})
}

// Argmax sets dst (m×1) to each row's index of its largest element
// (argmax.comp; for rows longer than narrowCols, row_argmax_partial.comp's
// tree).
func (be *Backend) Argmax(dst, x backend.Tensor) error {
	if err := backend.Check(be).Argmax(dst, x); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	xs := xt.shape
	if xs.Cols > narrowCols {
		if err := be.ready("argmax", "row_argmax_partial.comp"); err != nil {
			return err
		}
		tree, err := be.planRowTree(xs.Rows, xs.Cols)
		if err != nil {
			return fmt.Errorf("gl: argmax: %w", err)
		}
		defer tree.release(be)
		return be.enqueue("argmax", func() error {
			return be.runArgmaxTree(tree, xt.in(), xt.in(), d.out(), argmaxIndex)
		})
	}
	if err := be.ready("argmax", "argmax.comp"); err != nil {
		return err
	}
	return be.enqueue("argmax", func() error {
		p, err := be.program("argmax.comp")
		if err != nil {
			return err
		}
		p.SetInt("m", xs.Rows)
		p.SetInt("n", xs.Cols)
		return be.dev.Dispatch(p, groups(xs.Rows), 1, 1, xt.in(), d.out())
	})
}

// CountCorrect sets dst (1×1) to the number of rows whose argmax equals the
// label (count_correct.comp, then sum.comp; for rows longer than
// narrowCols, row_argmax_partial.comp's tree, then sum.comp).
func (be *Backend) CountCorrect(dst, scores, labels backend.Tensor) error {
	if err := backend.Check(be).CountCorrect(dst, scores, labels); err != nil {
		return err
	}
	d, st, lt := dst.(*Tensor), scores.(*Tensor), labels.(*Tensor)
	ss := st.shape
	wide := ss.Cols > narrowCols
	rowKernel := "count_correct.comp"
	if wide {
		rowKernel = "row_argmax_partial.comp"
	}
	if err := be.ready("count correct", rowKernel, "sum.comp"); err != nil {
		return err
	}
	hit, err := be.getScratch(ss.Rows)
	if err != nil {
		return fmt.Errorf("gl: count correct: %w", err)
	}
	defer be.putScratch(hit)
	var tree rowTree
	if wide {
		if tree, err = be.planRowTree(ss.Rows, ss.Cols); err != nil {
			return fmt.Errorf("gl: count correct: %w", err)
		}
		defer tree.release(be)
	}
	plan, err := be.planSum(ss.Rows, 1)
	if err != nil {
		return err
	}
	defer be.putScratch(plan.partial)
	return be.enqueue("count correct", func() error {
		if wide {
			if err := be.runArgmaxTree(tree, st.in(), lt.in(), glrt.Out(hit.buf), argmaxHit); err != nil {
				return err
			}
			return be.runSum(plan, d.out(), glrt.In(hit.buf))
		}
		p, err := be.program("count_correct.comp")
		if err != nil {
			return err
		}
		p.SetInt("m", ss.Rows)
		p.SetInt("n", ss.Cols)
		if err := be.dev.Dispatch(p, groups(ss.Rows), 1, 1, st.in(), lt.in(), glrt.Out(hit.buf)); err != nil {
			return err
		}
		return be.runSum(plan, d.out(), glrt.In(hit.buf))
	})
}
