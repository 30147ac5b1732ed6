//go:build !cgo || !amd64

package cpu

// softmaxCrossEntropyRows is softmaxCrossEntropyRowsGo without cgo.
func softmaxCrossEntropyRows(loss []float64, grad, x, labels []float32, n, batch, lo, hi int) {
	softmaxCrossEntropyRowsGo(loss, grad, x, labels, n, batch, lo, hi)
}
