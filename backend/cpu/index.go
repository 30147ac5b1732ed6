package cpu

import (
	"math"

	"gltrain/backend"
)

// GatherRows sets dst[i,:] = src[index[i],:]; rows with an index out of
// range become NaN.
func (be *Backend) GatherRows(dst, src, index backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors("gather rows", t[:], dst, src, index); err != nil {
		return err
	}
	d, s, idx := t[0], t[1], t[2]
	if err := backend.CheckGatherRows(d.shape, s.shape, idx.shape); err != nil {
		return err
	}
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
	var t [2]*Tensor
	if err := be.tensors("copy rows", t[:], dst, src); err != nil {
		return err
	}
	if err := backend.CheckCopyRows(t[0].shape, row, t[1].shape); err != nil {
		return err
	}
	copy(t[0].data[row*t[0].shape.Cols:], t[1].data)
	return nil
}

// OneHot sets dst[i,j] = 1 if j == labels[i], else 0; rows with a label that
// is not a column index become NaN.
func (be *Backend) OneHot(dst, labels backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("one hot", t[:], dst, labels); err != nil {
		return err
	}
	d, y := t[0], t[1]
	if err := backend.CheckLabels("one hot", d.shape, y.shape); err != nil {
		return err
	}
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
