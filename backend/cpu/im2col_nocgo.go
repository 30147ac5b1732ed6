//go:build !cgo || !amd64

package cpu

import "gltrain/backend"

// im2col is im2colGo without cgo.
func im2col(g backend.Conv2D, cols, x []float32) { im2colGo(g, cols, x) }

// col2im is col2imGo without cgo.
func col2im(g backend.Conv2D, dx, dcols []float32) { col2imGo(g, dx, dcols) }

const im2colInC = false
