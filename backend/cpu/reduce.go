package cpu

import (
	"math"

	"gltrain/backend"
)

// Sum sets dst (1×1) to the sum of x, accumulated in float64.
func (be *Backend) Sum(dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("sum", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckReduce("sum", t[0].shape, t[1].shape, backend.Shape{Rows: 1, Cols: 1}); err != nil {
		return err
	}
	var s float64
	for _, v := range t[1].data {
		s += float64(v)
	}
	t[0].data[0] = float32(s)
	return nil
}

// ColSum sets dst (1×n) to the column sums of x (m×n).
func (be *Backend) ColSum(dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("column sum", t[:], dst, x); err != nil {
		return err
	}
	xs := t[1].shape
	if err := backend.CheckReduce("column sum", t[0].shape, xs, backend.Shape{Rows: 1, Cols: xs.Cols}); err != nil {
		return err
	}
	colSum(t[0].data, t[1].data, xs.Rows, xs.Cols)
	return nil
}

// colSum is the reference loop, dst[j] = Σ_i x[i,j]; x is (m, n), dst is (n).
func colSum(dst, x []float32, m, n int) {
	for j := 0; j < n; j++ {
		var s float64
		for i := 0; i < m; i++ {
			s += float64(x[i*n+j])
		}
		dst[j] = float32(s)
	}
}

// Argmax sets dst (m×1) to each row's index of its largest element.
func (be *Backend) Argmax(dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("argmax", t[:], dst, x); err != nil {
		return err
	}
	xs := t[1].shape
	if err := backend.CheckReduce("argmax", t[0].shape, xs, backend.Shape{Rows: xs.Rows, Cols: 1}); err != nil {
		return err
	}
	for i := 0; i < xs.Rows; i++ {
		t[0].data[i] = float32(argmax(t[1].data[i*xs.Cols : (i+1)*xs.Cols]))
	}
	return nil
}

// argmax returns the index of row's largest element: the first on ties,
// skipping NaN, 0 when every element is NaN.
func argmax(row []float32) int {
	best, bestV := 0, float32(math.NaN())
	for j, v := range row {
		if v > bestV || (bestV != bestV && v == v) {
			best, bestV = j, v
		}
	}
	return best
}

// CountCorrect sets dst (1×1) to the number of rows whose argmax equals the
// label.
func (be *Backend) CountCorrect(dst, scores, labels backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors("count correct", t[:], dst, scores, labels); err != nil {
		return err
	}
	ss := t[1].shape
	if err := backend.CheckCountCorrect(t[0].shape, ss, t[2].shape); err != nil {
		return err
	}
	n := 0
	for i := 0; i < ss.Rows; i++ {
		if float32(argmax(t[1].data[i*ss.Cols:(i+1)*ss.Cols])) == t[2].data[i] {
			n++
		}
	}
	t[0].data[0] = float32(n)
	return nil
}
