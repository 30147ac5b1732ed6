//go:build !cgo || !amd64

package cpu

const layerNormInC = false

// layerNormForwardRows is layerNormForwardRowsGo without cgo.
func layerNormForwardRows(eps float64, y, stats, x, w, b []float32, n int) {
	layerNormForwardRowsGo(eps, y, stats, x, w, b, n)
}

// layerNormBackwardRows is layerNormBackwardRowsGo without cgo.
func layerNormBackwardRows(dx, dy, x, w, stats []float32, n int) {
	layerNormBackwardRowsGo(dx, dy, x, w, stats, n)
}

// layerNormParamsCols is layerNormParams without cgo.
func layerNormParamsCols(dw, db, dy, x, stats []float32, m, n, lo int) {
	layerNormParams(dw, db, dy, x, stats, m, n, lo)
}
