package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.AxisReducer = (*Backend)(nil)

// strides returns, for x (m×n) reduced along a, the number of reductions,
// their length, and the strides between reductions and between elements
// of one: element k of reduction r is x[r·outer + k·inner].
func strides(a backend.Axis, m, n int) (count, length, outer, inner int) {
	if a == backend.AlongCols {
		return n, m, 1, n
	}
	return m, n, n, 1
}

// ReduceSum sets dst = scale·Σ along a (see backend.AxisReducer). The
// reductions are shared among the cores, each reduced whole by one in
// order, so the bits do not depend on the number of cores; so for
// ReduceMax and ReduceBackward.
func (be *Backend) ReduceSum(a backend.Axis, scale float32, dst, x backend.Tensor) error {
	if err := backend.Check(be).ReduceSum(a, scale, dst, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	d, m, n := dst.(*Tensor).data, xt.shape.Rows, xt.shape.Cols
	count, length, _, _ := strides(a, m, n)
	parallelFor(count, length, func(lo, hi int) { reduceSum(a, scale, d, xt.data, m, n, lo, hi) })
	return nil
}

// reduceSum is the reference loop, in float64, for reductions lo … hi−1;
// x is (m, n), dst (count):
//
//	dst[r] = scale·Σ_k x[r·outer + k·inner]
func reduceSum(a backend.Axis, scale float32, dst, x []float32, m, n, lo, hi int) {
	_, length, outer, inner := strides(a, m, n)
	for r := lo; r < hi; r++ {
		var s float64
		for k := 0; k < length; k++ {
			s += float64(x[r*outer+k*inner])
		}
		dst[r] = float32(float64(scale) * s)
	}
}

// ReduceMax sets dst to the maxima along a and arg to their first indices
// (see backend.AxisReducer).
func (be *Backend) ReduceMax(a backend.Axis, dst, arg, x backend.Tensor) error {
	if err := backend.Check(be).ReduceMax(a, dst, arg, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	d, at, m, n := dst.(*Tensor).data, arg.(*Tensor).data, xt.shape.Rows, xt.shape.Cols
	count, length, _, _ := strides(a, m, n)
	parallelFor(count, length, func(lo, hi int) { reduceMax(a, d, at, xt.data, m, n, lo, hi) })
	return nil
}

// reduceMax is the reference loop for reductions lo … hi−1: the first
// largest element of each, a NaN being larger than any number
// (torch.max(x, dim)).
func reduceMax(a backend.Axis, dst, arg, x []float32, m, n, lo, hi int) {
	_, length, outer, inner := strides(a, m, n)
	for r := lo; r < hi; r++ {
		best, at := x[r*outer], 0
		for k := 1; k < length && best == best; k++ {
			if v := x[r*outer+k*inner]; v > best || v != v {
				best, at = v, k
			}
		}
		dst[r], arg[r] = best, float32(at)
	}
}

// ReduceBackward spreads dy over dx (see backend.AxisReducer).
func (be *Backend) ReduceBackward(a backend.Axis, scale float32, dx, dy, arg backend.Tensor) error {
	if err := backend.Check(be).ReduceBackward(a, scale, dx, dy, arg); err != nil {
		return err
	}
	d := dx.(*Tensor)
	var idx []float32
	if arg != nil {
		idx = arg.(*Tensor).data
	}
	m, n, g := d.shape.Rows, d.shape.Cols, dy.(*Tensor).data
	count, length, _, _ := strides(a, m, n)
	parallelFor(count, length, func(lo, hi int) { reduceBackward(a, scale, d.data, g, idx, m, n, lo, hi) })
	return nil
}

// reduceBackward is the reference loop for reductions lo … hi−1; dx is
// (m, n), dy and arg (count):
//
//	dx[r·outer + k·inner] = scale·dy[r]                  (arg nil)
//	dx[r·outer + k·inner] = k = arg[r] ? dy[r] : 0       (else)
func reduceBackward(a backend.Axis, scale float32, dx, dy, arg []float32, m, n, lo, hi int) {
	_, length, outer, inner := strides(a, m, n)
	for r := lo; r < hi; r++ {
		for k := 0; k < length; k++ {
			v := float32(float64(scale) * float64(dy[r]))
			if arg != nil {
				v = 0
				if k == int(arg[r]) {
					v = dy[r]
				}
			}
			dx[r*outer+k*inner] = v
		}
	}
}

var _ backend.LogSoftmaxer = (*Backend)(nil)

// LogSoftmaxForward sets each row of dst to the log-softmax of that row of
// x (see backend.LogSoftmaxer).
func (be *Backend) LogSoftmaxForward(dst, x backend.Tensor) error {
	if err := backend.Check(be).LogSoftmaxForward(dst, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	y, xs, n := dst.(*Tensor).data, xt.data, xt.shape.Cols
	parallelFor(xt.shape.Rows, n*softmaxCost, func(lo, hi int) {
		logSoftmaxForward(y[lo*n:hi*n], xs[lo*n:hi*n], n)
	})
	return nil
}

// logSoftmaxForward is the reference loop, in float64; x, y are (m, n):
//
//	mx = max_k x[i,k]   (NaN the largest)
//	y[i,j] = x[i,j] − mx − log Σ_k exp(x[i,k] − mx)
func logSoftmaxForward(y, x []float32, n int) {
	for i := 0; i < len(x); i += n {
		xr, yr := x[i:i+n], y[i:i+n]
		mx := float64(xr[0])
		for _, v := range xr {
			if v != v || float64(v) > mx {
				mx = float64(v)
			}
			if v != v {
				break
			}
		}
		var s float64
		for _, v := range xr {
			s += math.Exp(float64(v) - mx)
		}
		lse := mx + math.Log(s)
		for j, v := range xr {
			yr[j] = float32(float64(v) - lse)
		}
	}
}

// LogSoftmaxBackward sets dx = dy − exp(y) ⊙ rowsum(dy) (see
// backend.LogSoftmaxer).
func (be *Backend) LogSoftmaxBackward(dx, y, dy backend.Tensor) error {
	if err := backend.Check(be).LogSoftmaxBackward(dx, y, dy); err != nil {
		return err
	}
	dxt := dx.(*Tensor)
	d, ys, g, n := dxt.data, y.(*Tensor).data, dy.(*Tensor).data, dxt.shape.Cols
	parallelFor(dxt.shape.Rows, n*softmaxCost, func(lo, hi int) {
		logSoftmaxBackward(d[lo*n:hi*n], ys[lo*n:hi*n], g[lo*n:hi*n], n)
	})
	return nil
}

// logSoftmaxBackward is the reference loop, in float64; dx, y, dy are (m, n):
//
//	dx[i,j] = dy[i,j] − exp(y[i,j])·Σ_k dy[i,k]
func logSoftmaxBackward(dx, y, dy []float32, n int) {
	for i := 0; i < len(dy); i += n {
		var s float64
		for _, v := range dy[i : i+n] {
			s += float64(v)
		}
		for j := i; j < i+n; j++ {
			dx[j] = float32(float64(dy[j]) - math.Exp(float64(y[j]))*s)
		}
	}
}
