//go:build !cgo || !amd64

package cpu

// causalSoftmaxRows is causalSoftmaxRowsGo without cgo.
func causalSoftmaxRows(p, s []float32, n, lo, hi int) { causalSoftmaxRowsGo(p, s, n, lo, hi) }

// causalSoftmaxBackwardRows is causalSoftmaxBackwardRowsGo without cgo.
func causalSoftmaxBackwardRows(ds, p, dp []float32, n, lo, hi int) {
	causalSoftmaxBackwardRowsGo(ds, p, dp, n, lo, hi)
}
