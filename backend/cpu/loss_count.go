package cpu

import "gltrain/backend"

var _ backend.SoftmaxCrossEntropyCounter = (*Backend)(nil)

// SoftmaxCrossEntropyCount computes SoftmaxCrossEntropy's loss and gradient
// (when dlogits is not nil) and CountCorrect's count in one loop over the
// rows, with the same per-row code, so the numbers are theirs to the bit:
//
//	for each row i:
//		total += softmaxCrossEntropyRow(dlogits[i,:], x[i,:], y_i, m)
//		hits  += [argmax(x[i,:]) = y_i]
//	loss = total / m; correct = hits
func (be *Backend) SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels backend.Tensor) error {
	if err := backend.Check(be).SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels); err != nil {
		return err
	}
	l, c, x, y := loss.(*Tensor), correct.(*Tensor), logits.(*Tensor), labels.(*Tensor)
	g, _ := dlogits.(*Tensor) // nil: no gradient wanted
	m, n := x.shape.Rows, x.shape.Cols
	var total float64
	hits := 0
	for i := 0; i < m; i++ {
		var grow []float32
		if g != nil {
			grow = g.data[i*n : (i+1)*n]
		}
		row := x.data[i*n : (i+1)*n]
		total += softmaxCrossEntropyRow(grow, row, y.data[i], m)
		if float32(argmax(row)) == y.data[i] {
			hits++
		}
	}
	l.data[0] = float32(total / float64(m))
	c.data[0] = float32(hits)
	return nil
}
