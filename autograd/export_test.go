package autograd

// SetWarnValues sets the graph size that logs the growth warning, and
// returns a function restoring it.
func SetWarnValues(n int) (restore func()) {
	old := warnValues
	warnValues = n
	return func() { warnValues = old }
}
