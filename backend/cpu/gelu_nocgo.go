//go:build !cgo || !amd64

package cpu

// geluChunk is geluGo without cgo.
func geluChunk(d, s []float32) { geluGo(d, s) }

// geluBackwardChunk is geluBackwardGo without cgo.
func geluBackwardChunk(d, g, x []float32) { geluBackwardGo(d, g, x) }

const geluInC = false
