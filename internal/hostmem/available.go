package hostmem

// Available is the memory this process may still allocate, in bytes, and
// which limit sets it: the least of
//
//	MemAvailable of /proc/meminfo
//	the cgroup's memory.max − memory.current (v2), or
//	  memory.limit_in_bytes − memory.usage_in_bytes (v1)   (Cgroup)
//	RLIMIT_AS − VmSize of /proc/self/status                (AddressSpace)
//
// what names it: "MemAvailable", "the cgroup's memory.max" (or
// memory.limit_in_bytes), "RLIMIT_AS (ulimit -v)". A limit already passed
// leaves 0. ok is false where none can be read (not Linux).
func Available() (bytes int64, what string, ok bool) {
	return available(host)
}

// sources are the readers Available takes the least of; tests give their
// own.
type sources struct {
	meminfo, status func() map[string]int64
	cgroup          func() (limit, used int64, file string, ok bool)
	addressSpace    func() (int64, bool)
}

var host = sources{Meminfo, ProcStatus, Cgroup, AddressSpace}

func available(s sources) (left int64, what string, ok bool) {
	consider := func(v int64, name string, has bool) {
		if has && (!ok || v < left) {
			left, what, ok = max(v, 0), name, true
		}
	}
	v, has := s.meminfo()["MemAvailable"]
	consider(v, "MemAvailable", has)
	if limit, used, file, has := s.cgroup(); has {
		consider(limit-used, "the cgroup's "+file, true)
	}
	if limit, has := s.addressSpace(); has {
		vm, has := s.status()["VmSize"]
		consider(limit-vm, "RLIMIT_AS (ulimit -v)", has)
	}
	return left, what, ok
}
