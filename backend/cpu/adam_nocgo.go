//go:build !cgo || !amd64

package cpu

// adamChunk is adamGo without cgo.
func adamChunk(p, g, m, v []float32, b1, b2, eps, step, inv, decay, l2 float32) {
	adamGo(p, g, m, v, b1, b2, eps, step, inv, decay, l2)
}

const adamInC = false
