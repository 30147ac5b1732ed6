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
// The mean and variance come from one pass of float64 sums of d = x − k
// and d², k the row's first value (σ² = Σ d²/n − (Σ d/n)², at least 0):
// the shift keeps the cancellation to the spread of the row about k, which
// float64's 29 bits beyond float32's absorb. The sums run over sixteen
// interleaved accumulators (lnSums), in an order fixed by n. A NaN or
// ±Inf gives NaN.
//
// y is computed in float32, eight lanes a vector in the C loops, as
// PyTorch's CPU kernel does, but with μ in two float32 parts (lnSplit):
// x − μ is then as exact as float32 allows even where the mean is large
// against the spread, where one rounded μ would cost the row its low bits.
func layerNormForward(eps float64, y, stats, x, w, b []float32) {
	n := float64(len(x))
	k := float64(x[0])
	s, q := lnSums(x, k)
	m := s / n
	mu, vr := k+m, max(q/n-m*m, 0)
	r := float32(1 / math.Sqrt(vr+eps))
	hi, lo := lnSplit(mu)
	for j, v := range x {
		y[j] = lnAffine(lnHat(v, hi, lo, r), w[j], b[j])
	}
	stats[0], stats[1] = hi, r
}

// lnSplit is μ as hi + lo, two float32 values: hi is μ rounded, lo the
// rest, rounded.
func lnSplit(mu float64) (hi, lo float32) {
	hi = float32(mu)
	return hi, float32(mu - float64(hi))
}

// lnHat is x̂ = ((x − hi) − lo)·r in float32, each operation rounded (the
// conversions forbid fused multiply-adds, as the C loops use none).
func lnHat(x, hi, lo, r float32) float32 { return float32(float32(float32(x-hi)-lo) * r) }

// lnAffine is x̂·w + b in float32, each operation rounded.
func lnAffine(xh, w, b float32) float32 { return float32(float32(xh*w) + b) }

// lnSums is (Σ (x_j − k), Σ (x_j − k)²) in float64 over sixteen
// interleaved accumulators each (element j into j mod 16: independent
// addition chains, which the vector loops in C run four lanes a vector),
// added by lnTree16.
func lnSums(x []float32, k float64) (s, q float64) {
	var a, b [16]float64
	for j, v := range x {
		d := float64(v) - k
		a[j&15] += d
		b[j&15] += d * d
	}
	return lnTree16(&a), lnTree16(&b)
}

// lnTree16 adds sixteen lanes pairwise: ((l0 + l1) + (l2 + l3)) +
// ((l4 + l5) + (l6 + l7)), the same for l8 … l15, and the two halves.
func lnTree16(l *[16]float64) float64 {
	a := ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
	b := ((l[8] + l[9]) + (l[10] + l[11])) + ((l[12] + l[13]) + (l[14] + l[15]))
	return a + b
}

// lnBlock is the rows of a block of LayerNormBackward: each block's rows
// add their share of dw and db into float32 sums of the block's own, in
// row order, and the blocks' sums are added in float64 in block order, so
// the bits do not depend on the worker count (a fixed number, not the
// workers' chunks). 32 rows keep the float32 sums' error under 32 ulp of
// the block's terms' magnitudes (in practice √32), far inside the 1e-5 the
// conformance cases allow.
const lnBlock = 32

// LayerNormBackward computes dx, dw and db (see backend.Normalizer) in one
// pass over the rows: dx row by row, and dw, db as sums over blocks of
// lnBlock rows, in row order within a block and block order across them.
// The blocks are shared among the workers.
func (be *Backend) LayerNormBackward(dx, dw, db, dy, x, w, stats backend.Tensor) error {
	if err := backend.Check(be).LayerNormBackward(dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	xt := x.(*Tensor)
	m, n := xt.shape.Rows, xt.shape.Cols
	dxd, dwd, dbd, dyd := dx.(*Tensor).data, dw.(*Tensor).data, db.(*Tensor).data, dy.(*Tensor).data
	xd, wd, sd := xt.data, w.(*Tensor).data, stats.(*Tensor).data
	blocks := (m + lnBlock - 1) / lnBlock
	part := float32Pool.get(2 * n * blocks)
	defer float32Pool.put(part)
	sums := *part
	parallelFor(blocks, 8*n*lnBlock, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			r0, r1 := k*lnBlock, min((k+1)*lnBlock, m)
			sw, sb := sums[2*n*k:2*n*k+n], sums[2*n*k+n:2*n*(k+1)]
			clear(sw)
			clear(sb)
			layerNormBackwardRows(dxd[r0*n:r1*n], dyd[r0*n:r1*n], xd[r0*n:r1*n], wd, sd[2*r0:2*r1], n, sw, sb)
		}
	})
	parallelFor(n, 2*blocks, func(lo, hi int) {
		layerNormBlockSums(dwd[lo:hi], dbd[lo:hi], sums, n, blocks, lo)
	})
	return nil
}

// layerNormBlockSums sets dw[j−lo] and db[j−lo], columns lo … lo+len(dw)−1,
// to the float64 sums over the blocks, in block order, of the blocks'
// float32 sums (block k's dw sums at sums[2nk:], its db sums n after).
func layerNormBlockSums(dw, db []float32, sums []float32, n, blocks, lo int) {
	for j := range dw {
		var s, b float64
		for k := 0; k < blocks; k++ {
			s += float64(sums[2*n*k+lo+j])
			b += float64(sums[2*n*k+n+lo+j])
		}
		dw[j], db[j] = float32(s), float32(b)
	}
}

// layerNormBackwardRowsGo runs layerNormBackward on each row (rows of n)
// and adds each row's share of dw and db to sw and sb (n each), in row
// order: the loops layerNormBackwardRows runs in C with AVX2, to the bit,
// where the build has cgo on amd64.
func layerNormBackwardRowsGo(dx, dy, x, w, stats []float32, n int, sw, sb []float32) {
	for i := 0; i < len(x)/n; i++ {
		r := i * n
		layerNormBackward(dx[r:r+n], dy[r:r+n], x[r:r+n], w, stats[2*i:2*i+2], sw, sb)
	}
}

// layerNormBackward is dx of one row, and its share of dw and db added to
// sw and sb; dx, dy, x, w, sw, sb are (n), stats is (2):
//
//	x̂ = (x − μ)·r;  g = dy·w;  dx = r·(g − Σg/n − x̂·Σ(g·x̂)/n);  sw += dy·x̂;  sb += dy
//
// in float32 (eight lanes a vector in the C loops), but for Σg and Σ(g·x̂),
// float64 sums over sixteen interleaved accumulators each (as
// layerNormForward's), so that the mean gradient subtracted is exact to
// float32.
func layerNormBackward(dx, dy, x, w, stats, sw, sb []float32) {
	n := float64(len(x))
	mu, r := stats[0], stats[1]
	var sg, sgx [16]float64
	for j, v := range x {
		g := float32(dy[j] * w[j])
		sg[j&15] += float64(g)
		sgx[j&15] += float64(float32(g * lnHat(v, mu, 0, r)))
	}
	mg, mgx := float32(lnTree16(&sg)/n), float32(lnTree16(&sgx)/n)
	for j, v := range x {
		xh := lnHat(v, mu, 0, r)
		g := float32(dy[j] * w[j])
		dx[j] = float32(r * float32(float32(g-mg)-float32(xh*mgx)))
		sw[j] = float32(sw[j] + float32(dy[j]*xh))
		sb[j] = float32(sb[j] + dy[j])
	}
}

// float32Pool lends LayerNormBackward's block sums.
var float32Pool scratchPool[float32]
