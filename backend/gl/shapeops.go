package gl

// Transpose, reshape and column copies: transpose.comp in 16×16 tiles,
// copy_cols.comp one invocation per element (a reshape copies the whole
// tensor as one row).

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.Shaper = (*Backend)(nil)

// Transpose sets dst (n×m) to the transpose of x (m×n) (transpose.comp).
func (be *Backend) Transpose(dst, x backend.Tensor) error {
	if err := backend.Check(be).Transpose(dst, x); err != nil {
		return err
	}
	if err := be.ready("transpose", "transpose.comp"); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	return be.enqueue("transpose", func() error { return be.transpose(d.out(), xt.in(), xt.shape.Rows, xt.shape.Cols) })
}

// transpose dispatches transpose.comp for x m×n on the GL thread.
func (be *Backend) transpose(dst, x glrt.Arg, m, n int) error {
	p, err := be.program("transpose.comp")
	if err != nil {
		return err
	}
	p.SetInt("m", m)
	p.SetInt("n", n)
	return be.dev.Dispatch(p, glrt.Cap((n+15)/16), glrt.Cap((m+15)/16), 1, x, dst)
}

// Reshape copies x into dst in row-major order (copy_cols.comp, one row).
func (be *Backend) Reshape(dst, x backend.Tensor) error {
	if err := backend.Check(be).Reshape(dst, x); err != nil {
		return err
	}
	n := x.Shape().Len()
	return be.copyCols("reshape", dst.(*Tensor).out(), n, 0, x.(*Tensor).in(), n, 0, 1, n)
}

// CopyCols copies width columns of src from srcCol into dst from dstCol
// (copy_cols.comp).
func (be *Backend) CopyCols(dst backend.Tensor, dstCol int, src backend.Tensor, srcCol, width int) error {
	if err := backend.Check(be).CopyCols(dst, dstCol, src, srcCol, width); err != nil {
		return err
	}
	d, s := dst.(*Tensor), src.(*Tensor)
	// inOut: the columns outside the copy keep their values.
	return be.copyCols("copy columns", d.inOut(), d.shape.Cols, dstCol, s.in(), s.shape.Cols, srcCol, s.shape.Rows, width)
}

// copyCols queues copy_cols.comp over m rows of width.
func (be *Backend) copyCols(op string, dst glrt.Arg, dstN, dstCol int, src glrt.Arg, srcN, srcCol, m, width int) error {
	if err := be.ready(op, "copy_cols.comp"); err != nil {
		return err
	}
	return be.enqueue(op, func() error {
		p, err := be.program("copy_cols.comp")
		if err != nil {
			return err
		}
		count := m * width
		p.SetInt("count", count)
		p.SetInt("width", width)
		p.SetInt("src_n", srcN)
		p.SetInt("src_col", srcCol)
		p.SetInt("dst_n", dstN)
		p.SetInt("dst_col", dstCol)
		return be.dev.Dispatch(p, groups(count), 1, 1, src, dst)
	})
}
