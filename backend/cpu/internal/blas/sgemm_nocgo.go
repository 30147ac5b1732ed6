//go:build !cgo

package blas

// callSgemm is unused without cgo: Lib.Sgemm calls through purego.
func callSgemm(fn, set uintptr, threads, order, ta, tb, m, n, k int32, alpha float32, a *float32, lda int32,
	b *float32, ldb int32, beta float32, c *float32, ldc int32) {
	panic("blas: callSgemm without cgo")
}

func threadSets() int { return 0 }

func countOverlaps() int { return 0 }

func threadCount() int { return 0 }

const haveCgo = false
