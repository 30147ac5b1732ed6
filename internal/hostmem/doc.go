// Package hostmem reads how much memory this process may still take from
// the host, for the cpu backend's allocator and cmd/train's memory checks:
// one parser for each file they read.
//
//	/proc/meminfo, /proc/self/status  "Name: N kB" lines      ReadKB, Meminfo, ProcStatus
//	/proc/self/cgroup, /sys/fs/cgroup  the cgroup's limit, use  Cgroup
//	getrlimit                          ulimit -v, ulimit -d     AddressSpace, DataSize
//
// Available is the least of them, as the cpu backend checks it. Every size
// is in bytes, as an int64; a reader that finds nothing reports ok false
// (on systems other than Linux, or without a limit) rather than an error,
// since a limit that cannot be read is no limit.
package hostmem
