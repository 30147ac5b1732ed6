//go:build !cgo || !amd64

package cpu

const batchNormInC = false

func shiftedSumsChunk(x []float32, k float64) (s, q float64)   { return shiftedSums(x, k) }
func applyChunk(y, x []float32, s, t float64)                  { applyGo(y, x, s, t) }
func dySumsChunk(dy, x []float32, mu float64) (sb, sx float64) { return dySums(dy, x, mu) }
func dxChunk(dx, dy, x []float32, k1, k2, k3 float64)          { dxGo(dx, dy, x, k1, k2, k3) }
