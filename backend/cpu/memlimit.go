package cpu

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// hostAvailable is the memory this process may still allocate, in bytes,
// and which limit sets it: the least of
//
//	MemAvailable of /proc/meminfo
//	the cgroup's memory.max − memory.current (v2), or
//	  memory.limit_in_bytes − memory.usage_in_bytes (v1)
//	RLIMIT_AS − VmSize of /proc/self/status
//
// ok is false where none can be read (not Linux). A variable, so that
// tests can set the host's memory.
var hostAvailable = func() (left int64, what string, ok bool) {
	consider := func(v int64, name string, has bool) {
		if has && (!ok || v < left) {
			left, what, ok = max(v, 0), name, true
		}
	}
	mem := meminfo("/proc/meminfo")
	v, has := mem["MemAvailable"]
	consider(v, "MemAvailable", has)
	if lim, has := fileInt("/sys/fs/cgroup/memory.max"); has {
		cur, _ := fileInt("/sys/fs/cgroup/memory.current")
		consider(lim-cur, "the cgroup's memory.max", true)
	} else if lim, has := fileInt("/sys/fs/cgroup/memory/memory.limit_in_bytes"); has && lim < 1<<62 {
		cur, _ := fileInt("/sys/fs/cgroup/memory/memory.usage_in_bytes")
		consider(lim-cur, "the cgroup's memory.limit_in_bytes", true)
	}
	if lim, has := addressLimit(); has {
		vm, has := meminfo("/proc/self/status")["VmSize"]
		consider(lim-vm, "RLIMIT_AS (ulimit -v)", has)
	}
	return left, what, ok
}

// meminfo reads the "Key: N kB" lines of a /proc file, in bytes.
func meminfo(path string) map[string]int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if !found || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			m[k] = n << 10
		}
	}
	return m
}

// fileInt reads a file holding one integer ("max" is no limit).
func fileInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil
}
