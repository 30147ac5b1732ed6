package cpu

import "gltrain/backend"

var _ backend.Shaper = (*Backend)(nil)

// Transpose sets dst (n×m) to the transpose of x (m×n).
func (be *Backend) Transpose(dst, x backend.Tensor) error {
	if err := backend.Check(be).Transpose(dst, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	transpose(dst.(*Tensor).data, xt.data, xt.shape.Rows, xt.shape.Cols)
	return nil
}

// transpose is the reference loop, dst[j,i] = x[i,j]; x is (m, n), dst
// (n, m).
func transpose(dst, x []float32, m, n int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			dst[j*m+i] = x[i*n+j]
		}
	}
}

// Reshape copies x into dst in row-major order.
func (be *Backend) Reshape(dst, x backend.Tensor) error {
	if err := backend.Check(be).Reshape(dst, x); err != nil {
		return err
	}
	copy(dst.(*Tensor).data, x.(*Tensor).data)
	return nil
}

// CopyCols copies width columns of src from srcCol into dst from dstCol.
func (be *Backend) CopyCols(dst backend.Tensor, dstCol int, src backend.Tensor, srcCol, width int) error {
	if err := backend.Check(be).CopyCols(dst, dstCol, src, srcCol, width); err != nil {
		return err
	}
	d, s := dst.(*Tensor), src.(*Tensor)
	copyCols(d.data, d.shape.Cols, dstCol, s.data, s.shape.Cols, srcCol, width)
	return nil
}

// copyCols is the reference loop; dst is (m, dn), src (m, sn):
//
//	dst[i, dc+j] = src[i, sc+j],  0 ≤ j < width
func copyCols(dst []float32, dn, dc int, src []float32, sn, sc, width int) {
	for i := 0; i*sn < len(src); i++ {
		copy(dst[i*dn+dc:i*dn+dc+width], src[i*sn+sc:i*sn+sc+width])
	}
}
