//go:build !cgo || !amd64

package cpu

const layerNormInC = false

// layerNormLevel: the Go loops only (see the cgo build's).
const layerNormLevel = 0

// layerNormForwardRows is layerNormForwardRowsGo without cgo.
func layerNormForwardRows(eps float64, y, stats, x, w, b []float32, n int) {
	layerNormForwardRowsGo(eps, y, stats, x, w, b, n)
}

// layerNormBackwardRows is layerNormBackwardRowsGo without cgo.
func layerNormBackwardRows(dx, dy, x, w, stats []float32, n int, sw, sb []float32) {
	layerNormBackwardRowsGo(dx, dy, x, w, stats, n, sw, sb)
}

// layerNormForwardRowsAt is layerNormForwardRows (the level is the cgo
// build's).
func layerNormForwardRowsAt(_ int, eps float64, y, stats, x, w, b []float32, n int) {
	layerNormForwardRowsGo(eps, y, stats, x, w, b, n)
}

// layerNormBackwardRowsAt is layerNormBackwardRows (the level is the cgo
// build's).
func layerNormBackwardRowsAt(_ int, dx, dy, x, w, stats []float32, n int, sw, sb []float32) {
	layerNormBackwardRowsGo(dx, dy, x, w, stats, n, sw, sb)
}
