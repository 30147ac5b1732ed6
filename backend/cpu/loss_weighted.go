package cpu

import (
	"math"

	"gltrain/backend"
)

var _ backend.WeightedLosser = (*Backend)(nil)

// SoftmaxCrossEntropyWeighted computes PyTorch's cross-entropy with class
// weights (nil: all 1) and label smoothing ε, averaged over the sum of the
// target classes' weights, and its gradient when dlogits is not nil.
func (be *Backend) SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight backend.Tensor, smoothing float32) error {
	if err := backend.Check(be).SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight, smoothing); err != nil {
		return err
	}
	l, x, y := loss.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	m, n := x.shape.Rows, x.shape.Cols
	w := make([]float32, n)
	if wt, ok := weight.(*Tensor); ok {
		copy(w, wt.data)
	} else {
		for j := range w {
			w[j] = 1
		}
	}
	var total, wsum float64
	for i := 0; i < m; i++ {
		var grow []float32
		if g != nil {
			grow = g.data[i*n : (i+1)*n]
		}
		rl, wy := weightedCrossEntropyRow(grow, x.data[i*n:(i+1)*n], y.data[i], w, float64(smoothing))
		total += rl
		wsum += wy
	}
	l.data[0] = float32(total / wsum)
	if g != nil {
		for i := range g.data {
			g.data[i] = float32(float64(g.data[i]) / wsum)
		}
	}
	return nil
}

// weightedCrossEntropyRow returns one row's unnormalised loss
//
//	(1−ε)·w_c·(lse − x_c) + ε/C · Σ_j w_j·(lse − x_j)
//
// (the smoothing term only when ε > 0, as PyTorch, so that a −Inf logit
// costs nothing without smoothing) and the label's weight w_c, and writes
// the unnormalised gradient (1−ε)·w_c·(p_j − [j = c]) + ε/C·(p_j·Σw − w_j)
// into grad when it is not nil. A label that is no class index gives NaN
// for all three.
func weightedCrossEntropyRow(grad, x []float32, label float32, w []float32, eps float64) (float64, float64) {
	c, ok := classIndex(label, len(x))
	if !ok {
		for j := range grad {
			grad[j] = float32(math.NaN())
		}
		return math.NaN(), math.NaN()
	}
	maxX := math.Inf(-1)
	for _, v := range x {
		maxX = math.Max(maxX, float64(v))
	}
	// Around the maximum, as the shader: lse − x_j = (max − x_j) + log s.
	var s, sw, swd float64
	for j, v := range x {
		s += math.Exp(float64(v) - maxX)
		sw += float64(w[j])
		if eps > 0 {
			swd += float64(w[j]) * (maxX - float64(v))
		}
	}
	logS := math.Log(s)
	wc, cls := float64(w[c]), float64(len(x))
	loss := (1 - eps) * wc * (maxX - float64(x[c]) + logS)
	if eps > 0 {
		loss += eps / cls * (swd + sw*logS)
	}
	for j := range grad {
		p := math.Exp(float64(x[j])-maxX) / s
		d := p
		if j == c {
			d--
		}
		grad[j] = float32((1-eps)*wc*d + eps/cls*(p*sw-float64(w[j])))
	}
	return loss, wc
}
