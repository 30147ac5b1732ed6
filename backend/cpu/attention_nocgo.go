//go:build !cgo || !amd64

package cpu

// causalSoftmaxRows is causalSoftmaxRowsGo without cgo.
func causalSoftmaxRows(p, s []float32, n, lo, hi int) { causalSoftmaxRowsGo(p, s, n, lo, hi) }
