//go:build !unix || openbsd

package hostmem

// Without getrlimit, or on OpenBSD, whose syscall package has no RLIMIT_AS,
// no limit is read.

// AddressSpace reports no address-space limit.
func AddressSpace() (int64, bool) { return 0, false }

// DataSize reports no data-size limit.
func DataSize() (int64, bool) { return 0, false }
