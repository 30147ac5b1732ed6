//go:build !cgo || !amd64

package cpu

// linearDbCols is linearDbColsGo without cgo.
func linearDbCols(db, dz []float32, batch, out, lo, hi int, beta float32) {
	linearDbColsGo(db, dz, batch, out, lo, hi, beta)
}

// linearBias is linearBiasGo without cgo.
func linearBias(z, bias []float32, out int) { linearBiasGo(z, bias, out) }
