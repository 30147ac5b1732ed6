//go:build unix

package cpu

import "syscall"

// addressLimit is RLIMIT_AS (ulimit -v) in bytes, when there is one
// (RLIM_INFINITY is all ones).
func addressLimit() (int64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &r); err != nil || r.Cur > 1<<62 {
		return 0, false
	}
	return int64(r.Cur), true
}
