package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.BatchNormer = (*Backend)(nil)

// channel calls f(lo, hi) for each span x[lo:hi] of channel c's values: one
// span of hw values in each of the rows rows of width C·hw.
func channel(p backend.BatchNorm, rows, c int, f func(lo, hi int)) {
	width := p.C * p.HW
	for i := 0; i < rows; i++ {
		lo := i*width + c*p.HW
		f(lo, lo+p.HW)
	}
}

// BatchNormForward normalises x with its batch statistics (see
// backend.BatchNormer), one channel per worker, in float64.
func (be *Backend) BatchNormForward(p backend.BatchNorm, eps float32, y, stats, x, w, b backend.Tensor) error {
	if err := backend.Check(be).BatchNormForward(p, eps, y, stats, x, w, b); err != nil {
		return err
	}
	xt := x.(*Tensor)
	rows := xt.shape.Rows
	yd, sd, xd, wd, bd := y.(*Tensor).data, stats.(*Tensor).data, xt.data, w.(*Tensor).data, b.(*Tensor).data
	parallelFor(p.C, 3*rows*p.HW, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			mu, v, r := batchNormStats(float64(eps), p, rows, c, xd)
			sd[c], sd[p.C+c], sd[2*p.C+c] = float32(mu), float32(v), float32(r)
			batchNormApply(p, rows, c, yd, xd, mu, r, float64(wd[c]), float64(bd[c]))
		}
	})
	return nil
}

// batchNormStats is channel c's mean, biased variance and 1/√(σ² + eps)
// over x (rows, C·HW):
//
//	μ = Σ x / count;  σ² = Σ (x − μ)² / count;  r = 1/√(σ² + eps)
//
// in one pass of float64 sums of d = x − k and d², k the channel's first
// value: σ² = Σ d²/count − (Σ d/count)². The shift keeps the cancellation
// to the spread of x about k, a few standard deviations; float64's 29
// bits beyond float32's absorb it. A NaN or ±Inf value gives NaN.
func batchNormStats(eps float64, p backend.BatchNorm, rows, c int, x []float32) (mu, v, r float64) {
	count := float64(rows * p.HW)
	k := float64(x[c*p.HW])
	var s, q float64
	channel(p, rows, c, func(lo, hi int) {
		a, b := shiftedSumsChunk(x[lo:hi], k)
		s, q = s+a, q+b
	})
	m := s / count
	mu, v = k+m, max(q/count-m*m, 0)
	if math.IsInf(k, 0) || math.IsNaN(q) || math.IsInf(q, 0) {
		v = math.NaN()
	}
	return mu, v, 1 / math.Sqrt(v+eps)
}

// shiftedSums is (Σ (x − k), Σ (x − k)²) in float64 over four interleaved
// pairs of accumulators, in an order fixed by the length.
func shiftedSums(x []float32, k float64) (s, q float64) {
	var a, b [4]float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		d0, d1, d2, d3 := float64(x[j])-k, float64(x[j+1])-k, float64(x[j+2])-k, float64(x[j+3])-k
		a[0], a[1], a[2], a[3] = a[0]+d0, a[1]+d1, a[2]+d2, a[3]+d3
		b[0], b[1], b[2], b[3] = b[0]+d0*d0, b[1]+d1*d1, b[2]+d2*d2, b[3]+d3*d3
	}
	for i := 0; j < len(x); j, i = j+1, i+1 {
		d := float64(x[j]) - k
		a[i] += d
		b[i] += d * d
	}
	return (a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3])
}

// batchNormApply sets channel c of y to (x − μ)·r·w + b, as x·s + t with
// s = r·w and t = b − μ·s in float64 (whose 29 bits beyond float32's
// absorb the cancellation of x·s against μ·s).
func batchNormApply(p backend.BatchNorm, rows, c int, y, x []float32, mu, r, w, b float64) {
	s := r * w
	t := b - mu*s
	channel(p, rows, c, func(lo, hi int) { applyChunk(y[lo:hi], x[lo:hi], s, t) })
}

// applyGo sets y = x·s + t in float64: the loop applyChunk runs in C
// with AVX2, to the bit, where the build has cgo on amd64.
func applyGo(y, x []float32, s, t float64) {
	for j, v := range x {
		y[j] = float32(float64(v)*s + t)
	}
}

// BatchNormBackward computes dx, dw and db (see backend.BatchNormer), one
// channel per worker, the sums in float64 in the order of the values.
func (be *Backend) BatchNormBackward(p backend.BatchNorm, dx, dw, db, dy, x, w, stats backend.Tensor) error {
	if err := backend.Check(be).BatchNormBackward(p, dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	xt := x.(*Tensor)
	rows := xt.shape.Rows
	dxd, dwd, dbd, dyd := dx.(*Tensor).data, dw.(*Tensor).data, db.(*Tensor).data, dy.(*Tensor).data
	xd, wd, sd := xt.data, w.(*Tensor).data, stats.(*Tensor).data
	parallelFor(p.C, 3*rows*p.HW, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			dwd[c], dbd[c] = batchNormBackward(p, rows, c, dxd, dyd, xd, float64(wd[c]), float64(sd[c]), float64(sd[2*p.C+c]))
		}
	})
	return nil
}

// batchNormBackward is channel c of dx, and its dw and db; dx, dy, x are
// (rows, C·HW):
//
//	x̂ = (x − μ)·r;  db = Σ dy;  dw = Σ dy·x̂;  dx = w·r·(dy − db/count − x̂·dw/count)
//
// dx is computed as k1·dy + k2·x + k3 with the constants k1 = w·r,
// k2 = −w·r²·dw/count and k3 = −k1·db/count − k2·μ, in float64.
func batchNormBackward(p backend.BatchNorm, rows, c int, dx, dy, x []float32, w, mu, r float64) (dw, db float32) {
	var sb, sx float64
	channel(p, rows, c, func(lo, hi int) {
		b, s := dySumsChunk(dy[lo:hi], x[lo:hi], mu)
		sb, sx = sb+b, sx+s
	})
	sw := sx * r
	count := float64(rows * p.HW)
	k1 := w * r
	k2 := -k1 * r * sw / count
	k3 := -k1*sb/count - k2*mu
	channel(p, rows, c, func(lo, hi int) { dxChunk(dx[lo:hi], dy[lo:hi], x[lo:hi], k1, k2, k3) })
	return float32(sw), float32(sb)
}

// dxGo sets dx = k1·dy + k2·x + k3 in float64, as applyGo.
func dxGo(dx, dy, x []float32, k1, k2, k3 float64) {
	for j, v := range x {
		dx[j] = float32(k1*float64(dy[j]) + k2*float64(v) + k3)
	}
}

// dySums is (Σ dy, Σ dy·(x − μ)) in float64 over four interleaved pairs of
// accumulators (as shiftedSums: four independent addition chains, in an order
// fixed by the length).
func dySums(dy, x []float32, mu float64) (sb, sx float64) {
	var b, s [4]float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		g0, g1, g2, g3 := float64(dy[j]), float64(dy[j+1]), float64(dy[j+2]), float64(dy[j+3])
		b[0], b[1], b[2], b[3] = b[0]+g0, b[1]+g1, b[2]+g2, b[3]+g3
		s[0] += g0 * (float64(x[j]) - mu)
		s[1] += g1 * (float64(x[j+1]) - mu)
		s[2] += g2 * (float64(x[j+2]) - mu)
		s[3] += g3 * (float64(x[j+3]) - mu)
	}
	for k := 0; j < len(x); j, k = j+1, k+1 {
		g := float64(dy[j])
		b[k] += g
		s[k] += g * (float64(x[j]) - mu)
	}
	return (b[0] + b[1]) + (b[2] + b[3]), (s[0] + s[1]) + (s[2] + s[3])
}

// BatchNormUpdate moves the running statistics (see backend.BatchNormer):
//
//	mean = (1 − m)·mean + m·μ;  variance = (1 − m)·variance + m·σ²·count/(count − 1)
func (be *Backend) BatchNormUpdate(momentum float32, count int, mean, variance, stats backend.Tensor) error {
	if err := backend.Check(be).BatchNormUpdate(momentum, count, mean, variance, stats); err != nil {
		return err
	}
	md, vd, sd := mean.(*Tensor).data, variance.(*Tensor).data, stats.(*Tensor).data
	m, c := float64(momentum), len(md)
	unbias := float64(count) / float64(count-1)
	for j := range md {
		md[j] = float32((1-m)*float64(md[j]) + m*float64(sd[j]))
		vd[j] = float32((1-m)*float64(vd[j]) + m*float64(sd[c+j])*unbias)
	}
	return nil
}

// BatchNormInferenceBackward computes dx, dw and db of the evaluation
// forward (see backend.BatchNormer), one channel per worker, the sums in
// float64 in the order of the values:
//
//	r = 1/√(variance + eps);  x̂ = (x − mean)·r;  db = Σ dy;  dw = Σ dy·x̂;  dx = dy·w·r
func (be *Backend) BatchNormInferenceBackward(p backend.BatchNorm, eps float32, dx, dw, db, dy, x, w, mean, variance backend.Tensor) error {
	if err := backend.Check(be).BatchNormInferenceBackward(p, eps, dx, dw, db, dy, x, w, mean, variance); err != nil {
		return err
	}
	xt := x.(*Tensor)
	rows := xt.shape.Rows
	dxd, dwd, dbd, dyd := dx.(*Tensor).data, dw.(*Tensor).data, db.(*Tensor).data, dy.(*Tensor).data
	xd, wd, md, vd := xt.data, w.(*Tensor).data, mean.(*Tensor).data, variance.(*Tensor).data
	parallelFor(p.C, 2*rows*p.HW, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			mu, r := float64(md[c]), 1/math.Sqrt(float64(vd[c])+float64(eps))
			var sb, sw float64
			channel(p, rows, c, func(lo, hi int) {
				for j := lo; j < hi; j++ {
					g := float64(dyd[j])
					sb += g
					sw += g * (float64(xd[j]) - mu) * r
					dxd[j] = float32(g * float64(wd[c]) * r)
				}
			})
			dwd[c], dbd[c] = float32(sw), float32(sb)
		}
	})
	return nil
}

// BatchNormInference normalises x with the running statistics (see
// backend.BatchNormer).
func (be *Backend) BatchNormInference(p backend.BatchNorm, eps float32, y, x, w, b, mean, variance backend.Tensor) error {
	if err := backend.Check(be).BatchNormInference(p, eps, y, x, w, b, mean, variance); err != nil {
		return err
	}
	xt := x.(*Tensor)
	rows := xt.shape.Rows
	yd, xd, wd, bd := y.(*Tensor).data, xt.data, w.(*Tensor).data, b.(*Tensor).data
	md, vd := mean.(*Tensor).data, variance.(*Tensor).data
	parallelFor(p.C, rows*p.HW, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			r := 1 / math.Sqrt(float64(vd[c])+float64(eps))
			batchNormApply(p, rows, c, yd, xd, float64(md[c]), r, float64(wd[c]), float64(bd[c]))
		}
	})
	return nil
}
