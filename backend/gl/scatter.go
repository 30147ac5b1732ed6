package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.RowScatterer = (*Backend)(nil)

// scatterShaders are ScatterAddRows' kernels, in the order they run.
var scatterShaders = []string{"scatter_add_rows_sort.comp", "scatter_add_rows_gather.comp",
	"scatter_add_rows_tree.comp", "scatter_add_rows_finish.comp"}

// ScatterAddRows adds each row i of src into row index[i] of dst in
// backend.RowScatterer's order, without atomics and with no invocation
// looping over the rows: a bitonic sort of the positions by (index,
// position) in ½·log₂P·(log₂P+1) passes (P the power of two ≥ n), the
// sorted rows gathered into a scratch copy (scatter_add_rows_gather.comp),
// ⌈log₂n⌉ passes of the pairwise tree within each index's run
// (scatter_add_rows_tree.comp), then one dispatch over dst adding each
// run's sum (scatter_add_rows_finish.comp). The scratch buffers come from
// the pool.
func (be *Backend) ScatterAddRows(dst, src, index backend.Tensor) error {
	const op = "scatter add rows"
	if err := backend.Check(be).ScatterAddRows(dst, src, index); err != nil {
		return err
	}
	if err := be.ready(op, scatterShaders...); err != nil {
		return err
	}
	d, s, idx := dst.(*Tensor), src.(*Tensor), index.(*Tensor)
	rows, n, dim := d.shape.Rows, s.shape.Rows, s.shape.Cols
	pow2 := 2
	for pow2 < n {
		pow2 *= 2
	}
	var bufs [3]scratch // perm, acc, first
	for i, size := range []int{pow2, n * dim, rows} {
		var err error
		if bufs[i], err = be.getScratch(size); err != nil {
			for _, b := range bufs[:i] {
				be.putScratch(b)
			}
			return fmt.Errorf("gl: %s: %w", op, err)
		}
	}
	defer func() {
		for _, b := range bufs {
			be.putScratch(b)
		}
	}()
	perm, acc, first := bufs[0].buf, bufs[1].buf, bufs[2].buf
	return be.enqueue(op, func() error {
		if err := be.scatterSort(idx, perm, n, rows, pow2); err != nil {
			return err
		}
		p, err := be.program("scatter_add_rows_gather.comp")
		if err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetInt("dim", dim)
		p.SetInt("rows", rows)
		if err := be.dev.Dispatch(p, groups(n*dim), 1, 1, s.in(), idx.in(), glrt.In(perm), glrt.Out(acc), glrt.Out(first)); err != nil {
			return err
		}
		if p, err = be.program("scatter_add_rows_tree.comp"); err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetInt("dim", dim)
		p.SetInt("rows", rows)
		for stride := 1; stride < n; stride *= 2 {
			p.SetInt("stride", stride)
			if err := be.dev.Dispatch(p, groups(n*dim), 1, 1, idx.in(), glrt.In(perm), glrt.In(first), glrt.InOut(acc)); err != nil {
				return err
			}
		}
		if p, err = be.program("scatter_add_rows_finish.comp"); err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetInt("dim", dim)
		p.SetInt("rows", rows)
		return be.dev.Dispatch(p, groups(rows*dim), 1, 1, idx.in(), glrt.In(perm), glrt.In(first), glrt.In(acc), d.inOut())
	})
}

// scatterSort runs the bitonic sort's passes over perm (pow2 entries), the
// first of which also writes its starting order; it runs on the GL thread.
func (be *Backend) scatterSort(idx *Tensor, perm glrt.Buffer, n, rows, pow2 int) error {
	p, err := be.program("scatter_add_rows_sort.comp")
	if err != nil {
		return err
	}
	p.SetInt("n", n)
	p.SetInt("rows", rows)
	p.SetInt("pow2", pow2)
	first := 1
	for k := 2; k <= pow2; k *= 2 {
		for j := k / 2; j > 0; j /= 2 {
			p.SetInt("k", k)
			p.SetInt("j", j)
			p.SetInt("first", first)
			if err := be.dev.Dispatch(p, groups(pow2/2), 1, 1, idx.in(), glrt.InOut(perm)); err != nil {
				return err
			}
			first = 0
		}
	}
	return nil
}
