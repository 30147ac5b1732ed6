package cpu

import (
	"math"

	"gltrain/backend"
)

// Sum sets dst (1×1) to the sum of x, accumulated in float64.
func (be *Backend) Sum(dst, x backend.Tensor) error {
	if err := backend.Check(be).Sum(dst, x); err != nil {
		return err
	}
	var s float64
	for _, v := range x.(*Tensor).data {
		s += float64(v)
	}
	dst.(*Tensor).data[0] = float32(s)
	return nil
}

// ColSum sets dst (1×n) to the column sums of x (m×n).
func (be *Backend) ColSum(dst, x backend.Tensor) error {
	if err := backend.Check(be).ColSum(dst, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	colSum(dst.(*Tensor).data, xt.data, xt.shape.Rows, xt.shape.Cols)
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
	if err := backend.Check(be).Argmax(dst, x); err != nil {
		return err
	}
	d, xt := dst.(*Tensor).data, x.(*Tensor)
	n := xt.shape.Cols
	for i := range d {
		d[i] = float32(argmax(xt.data[i*n : (i+1)*n]))
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
	if err := backend.Check(be).CountCorrect(dst, scores, labels); err != nil {
		return err
	}
	st, y := scores.(*Tensor), labels.(*Tensor).data
	ss, n := st.shape, 0
	for i := 0; i < ss.Rows; i++ {
		if float32(argmax(st.data[i*ss.Cols:(i+1)*ss.Cols])) == y[i] {
			n++
		}
	}
	dst.(*Tensor).data[0] = float32(n)
	return nil
}
