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
		layerNormForwardRows(float64(eps), yd[lo*n:hi*n], sd[2*lo:2*hi], xd[lo*n:hi*n], wd, bd, n)
	})
	return nil
}

// layerNormForwardRowsGo runs layerNormForward on each row of x (rows of
// n): the loops that layerNormForwardRows runs in C with AVX2, to the bit,
// where the build has cgo on amd64.
func layerNormForwardRowsGo(eps float64, y, stats, x, w, b []float32, n int) {
	for i := 0; i < len(x)/n; i++ {
		layerNormForward(eps, y[i*n:(i+1)*n], stats[2*i:2*i+2], x[i*n:(i+1)*n], w, b)
	}
}

// layerNormForward is one row; x, y, w, b are (n), stats is (2):
//
//	μ = Σ x / n;  r = 1/√(Σ (x − μ)²/n + eps);  y = (x − μ)·r·w + b;  stats = (μ, r)
//
// The sums run in float64 over four interleaved accumulators (element j
// into j mod 4, then (a0 + a1) + (a2 + a3)): four independent addition
// chains instead of one, which the float64 add latency would bound, in an
// order fixed by n.
func layerNormForward(eps float64, y, stats, x, w, b []float32) {
	n := float64(len(x))
	mu := sum4(x, 0, 1) / n
	r := 1 / math.Sqrt(sum4(x, mu, 2)/n+eps)
	for j, v := range x {
		y[j] = float32((float64(v)-mu)*r*float64(w[j]) + float64(b[j]))
	}
	stats[0], stats[1] = float32(mu), float32(r)
}

// sum4 is Σ (x_j − c)^p for p 1 or 2, in float64, over four interleaved
// accumulators.
func sum4(x []float32, c float64, p int) float64 {
	var a [4]float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		d0, d1, d2, d3 := float64(x[j])-c, float64(x[j+1])-c, float64(x[j+2])-c, float64(x[j+3])-c
		if p == 2 {
			d0, d1, d2, d3 = d0*d0, d1*d1, d2*d2, d3*d3
		}
		a[0], a[1], a[2], a[3] = a[0]+d0, a[1]+d1, a[2]+d2, a[3]+d3
	}
	for k := 0; j < len(x); j, k = j+1, k+1 {
		d := float64(x[j]) - c
		if p == 2 {
			d *= d
		}
		a[k] += d
	}
	return (a[0] + a[1]) + (a[2] + a[3])
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
		layerNormBackwardRows(dxd[lo*n:hi*n], dyd[lo*n:hi*n], xd[lo*n:hi*n], wd, sd[2*lo:2*hi], n)
	})
	parallelFor(n, 2*m, func(lo, hi int) {
		layerNormParamsCols(dwd[lo:hi], dbd[lo:hi], dyd, xd, sd, m, n, lo)
	})
	return nil
}

// layerNormBackwardRowsGo runs layerNormBackward on each row (rows of n),
// as layerNormForwardRowsGo does.
func layerNormBackwardRowsGo(dx, dy, x, w, stats []float32, n int) {
	for i := 0; i < len(x)/n; i++ {
		r := i * n
		layerNormBackward(dx[r:r+n], dy[r:r+n], x[r:r+n], w, stats[2*i:2*i+2])
	}
}

// layerNormBackward is dx of one row; dx, dy, x, w are (n), stats is (2):
//
//	x̂ = (x − μ)·r;  g = dy·w;  dx = r·(g − Σg/n − x̂·Σ(g·x̂)/n)
//
// with the sums in float64 over four interleaved accumulators each (as
// layerNormForward's).
func layerNormBackward(dx, dy, x, w, stats []float32) {
	n := float64(len(x))
	mu, r := float64(stats[0]), float64(stats[1])
	var sg, sgx [4]float64
	for j, v := range x {
		g := float64(dy[j]) * float64(w[j])
		sg[j&3] += g
		sgx[j&3] += g * (float64(v) - mu) * r
	}
	mg, mgx := ((sg[0]+sg[1])+(sg[2]+sg[3]))/n, ((sgx[0]+sgx[1])+(sgx[2]+sgx[3]))/n
	for j, v := range x {
		xh := (float64(v) - mu) * r
		dx[j] = float32(r * (float64(dy[j])*float64(w[j]) - mg - xh*mgx))
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
