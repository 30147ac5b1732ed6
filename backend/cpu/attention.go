package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.CausalSoftmaxer = (*Backend)(nil)

// CausalSoftmaxForward computes the causal softmax of each row of s (see
// backend.CausalSoftmaxer), the rows shared among the cores.
func (be *Backend) CausalSoftmaxForward(p, s backend.Tensor) error {
	if err := backend.Check(be).CausalSoftmaxForward(p, s); err != nil {
		return err
	}
	st := s.(*Tensor)
	n := st.shape.Cols
	pd, sd := p.(*Tensor).data, st.data
	parallelFor(st.shape.Rows, n, func(lo, hi int) { causalSoftmaxRows(pd, sd, n, lo, hi) })
	return nil
}

// causalSoftmaxRowsGo is causalSoftmaxForward over rows lo ≤ r < hi of the
// (rows, n) p and s, row r at query position r % n; with cgo on amd64,
// causalSoftmaxRows runs it in C.
func causalSoftmaxRowsGo(p, s []float32, n, lo, hi int) {
	for r := lo; r < hi; r++ {
		causalSoftmaxForward(p[r*n:(r+1)*n], s[r*n:(r+1)*n], r%n)
	}
}

// causalSoftmaxForward is one row, of query position t; p and s are (T):
//
//	μ = max_{k≤t} s_k;  p_j = exp(s_j − μ) / Σ_{k≤t} exp(s_k − μ)  (j ≤ t);  p_j = 0  (j > t)
//
// in float64 (but for the exponentials' rounding to float32 before the
// division), NaN in every seen column when a seen score is NaN or μ is
// ±Inf. p may be s.
func causalSoftmaxForward(p, s []float32, t int) {
	mx := float32(math.Inf(-1))
	bad := false
	for _, v := range s[:t+1] {
		if v > mx {
			mx = v
		} else if v != v {
			bad = true
		}
	}
	mu := float64(mx)
	if bad || math.IsInf(mu, 0) {
		for j := range s[:t+1] {
			p[j] = float32(math.NaN())
		}
	} else {
		// One exp a score: e_j goes to p (rounded to float32) as it is
		// summed (unrounded), then p_j = e_j·(1/sum), within 2 ulp of
		// the exact quotient.
		var sum float64
		for j, v := range s[:t+1] {
			e := math.Exp(float64(v) - mu)
			sum += e
			p[j] = float32(e)
		}
		inv := 1 / sum
		for j, e := range p[:t+1] {
			p[j] = float32(float64(e) * inv)
		}
	}
	clear(p[t+1:])
}

// CausalSoftmaxBackward computes the gradient of the causal softmax's
// scores from p and dp (see backend.CausalSoftmaxer), the rows shared among
// the cores.
func (be *Backend) CausalSoftmaxBackward(ds, p, dp backend.Tensor) error {
	if err := backend.Check(be).CausalSoftmaxBackward(ds, p, dp); err != nil {
		return err
	}
	pt := p.(*Tensor)
	n := pt.shape.Cols
	dsd, pd, dpd := ds.(*Tensor).data, pt.data, dp.(*Tensor).data
	parallelFor(pt.shape.Rows, n, func(lo, hi int) { causalSoftmaxBackwardRows(dsd, pd, dpd, n, lo, hi) })
	return nil
}

// causalSoftmaxBackwardRowsGo is causalSoftmaxBackward over rows lo ≤ r < hi
// of the (rows, n) ds, p and dp, row r at query position r % n; with cgo on
// amd64, causalSoftmaxBackwardRows runs it in C.
func causalSoftmaxBackwardRowsGo(ds, p, dp []float32, n, lo, hi int) {
	for r := lo; r < hi; r++ {
		causalSoftmaxBackward(ds[r*n:(r+1)*n], p[r*n:(r+1)*n], dp[r*n:(r+1)*n], r%n)
	}
}

// causalSoftmaxBackward is one row, of query position t; ds, p and dp are
// (T):
//
//	ds_j = p_j·(dp_j − Σ_{k≤t} p_k·dp_k)  (j ≤ t);  ds_j = 0  (j > t)
//
// with the sum in float64. ds may be dp.
func causalSoftmaxBackward(ds, p, dp []float32, t int) {
	var dot float64
	for k := range t + 1 {
		dot += float64(p[k]) * float64(dp[k])
	}
	for j := range t + 1 {
		ds[j] = float32(float64(p[j]) * (float64(dp[j]) - dot))
	}
	clear(ds[t+1:])
}
