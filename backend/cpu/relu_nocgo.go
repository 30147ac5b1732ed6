//go:build !cgo || !amd64

package cpu

// reluChunk is reluGo without cgo.
func reluChunk(d, s []float32) { reluGo(d, s) }

// reluBackwardChunk is reluBackwardGo without cgo.
func reluBackwardChunk(d, g, x []float32) { reluBackwardGo(d, g, x) }

const reluInC = false
