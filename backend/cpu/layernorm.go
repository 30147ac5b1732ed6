package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.Normalizer = (*Backend)(nil)

// LayerNormForward normalises the rows of x (see backend.Normalizer),
// accumulating in float64.
func (be *Backend) LayerNormForward(eps float32, y, stats, x, w, b backend.Tensor) error {
	if err := backend.Check(be).LayerNormForward(eps, y, stats, x, w, b); err != nil {
		return err
	}
	xt := x.(*Tensor)
	m, n := xt.shape.Rows, xt.shape.Cols
	yd, sd, xd, wd, bd := y.(*Tensor).data, stats.(*Tensor).data, xt.data, w.(*Tensor).data, b.(*Tensor).data
	parallelFor(m, 4*n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			layerNormForward(float64(eps), yd[i*n:(i+1)*n], sd[2*i:2*i+2], xd[i*n:(i+1)*n], wd, bd)
		}
	})
	return nil
}

// layerNormForward is one row; x, y, w, b are (n), stats is (2):
//
//	μ = Σ x / n;  r = 1/√(Σ (x − μ)²/n + eps);  y = (x − μ)·r·w + b;  stats = (μ, r)
func layerNormForward(eps float64, y, stats, x, w, b []float32) {
	n := float64(len(x))
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mu := s / n
	var q float64
	for _, v := range x {
		d := float64(v) - mu
		q += d * d
	}
	r := 1 / math.Sqrt(q/n+eps)
	for j, v := range x {
		y[j] = float32((float64(v)-mu)*r*float64(w[j]) + float64(b[j]))
	}
	stats[0], stats[1] = float32(mu), float32(r)
}

// LayerNormBackward computes dx, dw and db (see backend.Normalizer): dx row
// by row, and dw, db as column sums over the rows in order, each worker
// taking a block of columns, so the bits do not depend on the worker count.
func (be *Backend) LayerNormBackward(dx, dw, db, dy, x, w, stats backend.Tensor) error {
	if err := backend.Check(be).LayerNormBackward(dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	xt := x.(*Tensor)
	m, n := xt.shape.Rows, xt.shape.Cols
	dxd, dwd, dbd, dyd := dx.(*Tensor).data, dw.(*Tensor).data, db.(*Tensor).data, dy.(*Tensor).data
	xd, wd, sd := xt.data, w.(*Tensor).data, stats.(*Tensor).data
	parallelFor(m, 6*n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := i * n
			layerNormBackward(dxd[r:r+n], dyd[r:r+n], xd[r:r+n], wd, sd[2*i:2*i+2])
		}
	})
	parallelFor(n, 2*m, func(lo, hi int) {
		layerNormParams(dwd[lo:hi], dbd[lo:hi], dyd, xd, sd, m, n, lo)
	})
	return nil
}

// layerNormBackward is dx of one row; dx, dy, x, w are (n), stats is (2):
//
//	x̂ = (x − μ)·r;  g = dy·w;  dx = r·(g − Σg/n − x̂·Σ(g·x̂)/n)
func layerNormBackward(dx, dy, x, w, stats []float32) {
	n := float64(len(x))
	mu, r := float64(stats[0]), float64(stats[1])
	var sg, sgx float64
	for j, v := range x {
		g := float64(dy[j]) * float64(w[j])
		sg += g
		sgx += g * (float64(v) - mu) * r
	}
	sg, sgx = sg/n, sgx/n
	for j, v := range x {
		xh := (float64(v) - mu) * r
		dx[j] = float32(r * (float64(dy[j])*float64(w[j]) - sg - xh*sgx))
	}
}

// layerNormParams sets dw[j−lo] = Σ_i dy[i,j]·x̂[i,j] and db[j−lo] =
// Σ_i dy[i,j] for the columns lo … lo+len(dw)−1, summing the rows in
// order in float64; dy and x are (m, n), stats is (m, 2).
func layerNormParams(dw, db, dy, x, stats []float32, m, n, lo int) {
	hi := lo + len(dw)
	sw, sb := make([]float64, len(dw)), make([]float64, len(dw))
	for i := 0; i < m; i++ {
		mu, r := float64(stats[2*i]), float64(stats[2*i+1])
		row, g := x[i*n+lo:i*n+hi], dy[i*n+lo:i*n+hi]
		for j, v := range row {
			sw[j] += float64(g[j]) * (float64(v) - mu) * r
			sb[j] += float64(g[j])
		}
	}
	for j := range dw {
		dw[j], db[j] = float32(sw[j]), float32(sb[j])
	}
}
