package cpu

import (
	"math"

	"gltrain/backend"
)

// GatherRows sets dst[i,:] = src[index[i],:]; rows with an index out of
// range become NaN.
func (be *Backend) GatherRows(dst, src, index backend.Tensor) error {
	if err := backend.Check(be).GatherRows(dst, src, index); err != nil {
		return err
	}
	d, s, idx := dst.(*Tensor), src.(*Tensor), index.(*Tensor)
	n := s.shape.Cols
	for i := 0; i < d.shape.Rows; i++ {
		row := d.data[i*n : (i+1)*n]
		if r, ok := classIndex(idx.data[i], s.shape.Rows); ok {
			copy(row, s.data[r*n:(r+1)*n])
		} else {
			fillNaN(row)
		}
	}
	return nil
}

// CopyRows sets dst[row+i,:] = src[i,:].
func (be *Backend) CopyRows(dst backend.Tensor, row int, src backend.Tensor) error {
	if err := backend.Check(be).CopyRows(dst, row, src); err != nil {
		return err
	}
	d := dst.(*Tensor)
	copy(d.data[row*d.shape.Cols:], src.(*Tensor).data)
	return nil
}

// OneHot sets dst[i,j] = 1 if j == labels[i], else 0; rows with a label that
// is not a column index become NaN.
func (be *Backend) OneHot(dst, labels backend.Tensor) error {
	if err := backend.Check(be).OneHot(dst, labels); err != nil {
		return err
	}
	d, y := dst.(*Tensor), labels.(*Tensor)
	n := d.shape.Cols
	for i := 0; i < d.shape.Rows; i++ {
		row := d.data[i*n : (i+1)*n]
		c, ok := classIndex(y.data[i], n)
		if !ok {
			fillNaN(row)
			continue
		}
		for j := range row {
			row[j] = 0
		}
		row[c] = 1
	}
	return nil
}

func fillNaN(row []float32) {
	for j := range row {
		row[j] = float32(math.NaN())
	}
}
