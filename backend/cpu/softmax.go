package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.Softmaxer = (*Backend)(nil)

// SoftmaxForward sets each row of dst to the softmax of that row of x (see
// backend.Softmaxer).
func (be *Backend) SoftmaxForward(dst, x backend.Tensor) error {
	if err := backend.Check(be).SoftmaxForward(dst, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	y, xs, n := dst.(*Tensor).data, xt.data, xt.shape.Cols
	parallelFor(xt.shape.Rows, n*softmaxCost, func(lo, hi int) {
		softmaxForward(y[lo*n:hi*n], xs[lo*n:hi*n], n)
	})
	return nil
}

// softmaxCost is the work of one element of the forward pass for
// parallelFor: two exponentials.
const softmaxCost = 32

// softmaxForward sets y to the row-wise softmax of x; x, y are (m, n), in
// float64:
//
//	mx = max_k x[i,k]
//	y[i,j] = exp(x[i,j] − mx) / Σ_k exp(x[i,k] − mx)
//
// A row holding NaN, or whose maximum is ±Inf (+Inf − +Inf and −Inf − −Inf
// are NaN), is NaN throughout, as in PyTorch. exp is computed twice rather
// than kept, so that the kernel needs no scratch, but for rows of at most
// softmaxKeep, whose exps are kept on the stack.
func softmaxForward(y, x []float32, n int) {
	for i := 0; i < len(x); i += n {
		xr, yr := x[i:i+n], y[i:i+n]
		mx, ok := rowMax(xr)
		if !ok {
			for j := range yr {
				yr[j] = float32(math.NaN())
			}
			continue
		}
		if n <= softmaxKeep { // narrow rows keep their exps on the stack
			var e [softmaxKeep]float64
			var s float64
			for j, v := range xr {
				e[j] = math.Exp(float64(v) - mx)
				s += e[j]
			}
			for j := range yr {
				yr[j] = float32(e[j] / s)
			}
			continue
		}
		var s float64
		for _, v := range xr {
			s += math.Exp(float64(v) - mx)
		}
		for j, v := range xr {
			yr[j] = float32(math.Exp(float64(v)-mx) / s)
		}
	}
}

// softmaxKeep is the widest row whose exps softmaxForward keeps (on the
// stack) rather than computes twice: the same values, so the same bits.
const softmaxKeep = 32

// rowMax returns the maximum of x, and false when x holds a NaN or the
// maximum is ±Inf.
func rowMax(x []float32) (float64, bool) {
	mx := math.Inf(-1)
	for _, v := range x {
		if v != v {
			return 0, false
		}
		mx = math.Max(mx, float64(v))
	}
	return mx, !math.IsInf(mx, 0)
}

// SoftmaxBackward sets dx = y ⊙ (dy − rowsum(dy ⊙ y)) (see
// backend.Softmaxer).
func (be *Backend) SoftmaxBackward(dx, y, dy backend.Tensor) error {
	if err := backend.Check(be).SoftmaxBackward(dx, y, dy); err != nil {
		return err
	}
	dxt := dx.(*Tensor)
	d, ys, g, n := dxt.data, y.(*Tensor).data, dy.(*Tensor).data, dxt.shape.Cols
	parallelFor(dxt.shape.Rows, n*2, func(lo, hi int) {
		softmaxBackward(d[lo*n:hi*n], ys[lo*n:hi*n], g[lo*n:hi*n], n)
	})
	return nil
}

// softmaxBackward sets dx from the forward's y and the upstream gradient
// dy; dx, y, dy are (m, n), in float64:
//
//	s = Σ_k dy[i,k]·y[i,k]
//	dx[i,j] = y[i,j]·(dy[i,j] − s)
//
// NaN and ±Inf take their IEEE course (0·Inf is NaN).
func softmaxBackward(dx, y, dy []float32, n int) {
	for i := 0; i < len(y); i += n {
		yr, gr, dr := y[i:i+n], dy[i:i+n], dx[i:i+n]
		var s float64
		for j, v := range yr {
			s += float64(gr[j]) * float64(v)
		}
		for j, v := range yr {
			dr[j] = float32(float64(v) * (float64(gr[j]) - s))
		}
	}
}
