//go:build !cgo || !amd64

package cpu

// maxPool2x2Planes is maxPool2x2PlanesGo without cgo.
func maxPool2x2Planes(in, out, at []float32, planes, h, w, oh, ow int) {
	maxPool2x2PlanesGo(in, out, at, planes, h, w, oh, ow)
}

// maxPool2x2BackwardPlanes is maxPool2x2BackwardPlanesGo without cgo.
func maxPool2x2BackwardPlanes(dx, at, dy []float32, planes, h, w, oh, ow int) {
	maxPool2x2BackwardPlanesGo(dx, at, dy, planes, h, w, oh, ow)
}

const poolInC = false
