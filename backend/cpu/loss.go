package cpu

import (
	"math"

	"gltrain/backend"
)

// classIndex returns label as an index into n classes, or false when it is
// not a whole number in [0, n).
func classIndex(label float32, n int) (int, bool) {
	if !(label >= 0 && label < float32(n)) || label != float32(math.Floor(float64(label))) {
		return 0, false
	}
	return int(label), true
}

// allFinite reports whether no element of x is NaN or ±Inf.
func allFinite(x []float32) bool {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

// SoftmaxCrossEntropy computes the mean cross-entropy of softmax(logits)
// against integer labels, and its gradient when dlogits is not nil.
func (be *Backend) SoftmaxCrossEntropy(loss, dlogits, logits, labels backend.Tensor) error {
	if err := backend.Check(be).SoftmaxCrossEntropy(loss, dlogits, logits, labels); err != nil {
		return err
	}
	l, x, y := loss.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	m, n := x.shape.Rows, x.shape.Cols
	// The rows are shared among the cores, each row's loss kept, then
	// summed in row order: the same bits for any number of cores.
	rl := floatsPool.get(m)
	defer floatsPool.put(rl)
	rows := *rl
	var grad []float32
	if g != nil {
		grad = g.data
	}
	parallelFor(m, 8*n, func(lo, hi int) { softmaxCrossEntropyRows(rows, grad, x.data, y.data, n, m, lo, hi) })
	var total float64
	for _, v := range rows {
		total += v
	}
	l.data[0] = float32(total / float64(m))
	return nil
}

// softmaxCrossEntropyRowsGo sets loss[i] = softmaxCrossEntropyRow(grad's
// row i or nil, x's row i, labels[i], batch) for lo ≤ i < hi; x and grad
// (nil: no gradient) are (rows, n). With cgo on amd64,
// softmaxCrossEntropyRows runs it in C.
func softmaxCrossEntropyRowsGo(loss []float64, grad, x, labels []float32, n, batch, lo, hi int) {
	for i := lo; i < hi; i++ {
		var grow []float32
		if grad != nil {
			grow = grad[i*n : (i+1)*n]
		}
		loss[i] = softmaxCrossEntropyRow(grow, x[i*n:(i+1)*n], labels[i], batch)
	}
}

// floatsPool lends the per-row float64 scratch of the losses.
var floatsPool scratchPool[float64]

// softmaxCrossEntropyRow returns one row's loss, log Σ_j exp(x_j) − x_label,
// through a log-sum-exp shifted by the row's maximum, and writes the row's
// gradient (softmax(x) − onehot(label)) / batch into grad when it is not nil.
func softmaxCrossEntropyRow(grad, x []float32, label float32, batch int) float64 {
	c, ok := classIndex(label, len(x))
	if !ok {
		for j := range grad {
			grad[j] = float32(math.NaN())
		}
		return math.NaN()
	}
	maxX := math.Inf(-1)
	for _, v := range x {
		maxX = math.Max(maxX, float64(v))
	}
	// e_j = exp(x_j − max), kept for the gradient when the row is short
	// (the classes of a classifier), recomputed otherwise.
	var buf [64]float64
	e := buf[:0]
	keep := len(grad) > 0 && len(x) <= len(buf)
	var s float64
	for _, v := range x {
		ej := math.Exp(float64(v) - maxX)
		s += ej
		if keep {
			e = append(e, ej)
		}
	}
	lse := maxX + math.Log(s)
	for j := range grad {
		var ej float64
		if keep {
			ej = e[j]
		} else {
			ej = math.Exp(float64(x[j]) - maxX)
		}
		p := ej / s // softmax_j
		if j == c {
			p--
		}
		grad[j] = float32(p / float64(batch))
	}
	return lse - float64(x[c])
}

// MeanSquaredError computes the mean of (pred − target)² over all elements,
// and its gradient when dpred is not nil.
func (be *Backend) MeanSquaredError(loss, dpred, pred, target backend.Tensor) error {
	if err := backend.Check(be).MeanSquaredError(loss, dpred, pred, target); err != nil {
		return err
	}
	l, p, y := loss.(*Tensor), pred.(*Tensor), target.(*Tensor)
	g, _ := dpred.(*Tensor) // nil: no gradient wanted
	count := float64(len(p.data))
	var total float64
	for i, v := range p.data {
		d := float64(v) - float64(y.data[i])
		total += d * d
		if g != nil {
			g.data[i] = float32(2 * d / count)
		}
	}
	l.data[0] = float32(total / count)
	return nil
}

// SVMHinge computes the mean multiclass hinge loss and its gradient when
// dscores is not nil.
func (be *Backend) SVMHinge(loss, dscores, scores, labels backend.Tensor, margin float32) error {
	if err := backend.Check(be).SVMHinge(loss, dscores, scores, labels, margin); err != nil {
		return err
	}
	l, s, y := loss.(*Tensor), scores.(*Tensor), labels.(*Tensor)
	g, _ := dscores.(*Tensor) // nil: no gradient wanted
	m, n := s.shape.Rows, s.shape.Cols
	var total float64
	for i := 0; i < m; i++ {
		var grow []float32
		if g != nil {
			grow = g.data[i*n : (i+1)*n]
		}
		total += svmHingeRow(grow, s.data[i*n:(i+1)*n], y.data[i], float64(margin), m)
	}
	l.data[0] = float32(total / float64(m))
	return nil
}

// svmHingeRow returns one row's loss Σ_{j≠y} max(0, s_j − s_y + margin) and
// writes its gradient into grad when it is not nil: +1/batch for each class
// inside the margin, and minus their count over batch for the label. A label
// that is not a class index, or a score that is NaN or ±Inf, gives NaN loss
// and gradient: max(0, ·) would otherwise turn a diverged row (an infinite
// label score, a NaN anywhere) into a loss of 0.
func svmHingeRow(grad, s []float32, label float32, margin float64, batch int) float64 {
	c, ok := classIndex(label, len(s))
	if !ok || !allFinite(s) {
		for j := range grad {
			grad[j] = float32(math.NaN())
		}
		return math.NaN()
	}
	var loss float64
	active := 0
	for j, v := range s {
		var gj float32
		if j != c {
			if d := float64(v) - float64(s[c]) + margin; d > 0 {
				loss += d
				active++
				gj = float32(1 / float64(batch))
			}
		}
		if grad != nil {
			grad[j] = gj
		}
	}
	if grad != nil {
		grad[c] = float32(-float64(active) / float64(batch))
	}
	return loss
}
