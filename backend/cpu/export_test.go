package cpu

// SetGemmMin sets the product size from which the BLAS library computes a
// product, so that the conformance suite's small cases run on it too.
func SetGemmMin(b *Backend, n int) { b.gemmMin = n }
