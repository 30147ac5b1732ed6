//go:build unix && !openbsd

package hostmem

import "syscall"

// AddressSpace is RLIMIT_AS (ulimit -v), in bytes; ok is false where there
// is none.
func AddressSpace() (int64, bool) { return rlimit(syscall.RLIMIT_AS) }

// DataSize is RLIMIT_DATA (ulimit -d), in bytes; ok is false where there is
// none.
func DataSize() (int64, bool) { return rlimit(syscall.RLIMIT_DATA) }

// rlimit is the soft limit res; RLIM_INFINITY (all ones) and values past
// 2^62, which no host has, are none.
func rlimit(res int) (int64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(res, &r); err != nil || r.Cur >= 1<<62 {
		return 0, false
	}
	return int64(r.Cur), true
}
