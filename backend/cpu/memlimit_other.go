//go:build !unix

package cpu

// addressLimit reports no address-space limit.
func addressLimit() (int64, bool) { return 0, false }
