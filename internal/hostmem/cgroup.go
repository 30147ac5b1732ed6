package hostmem

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Cgroup is the memory limit of the process's cgroup and its usage, in
// bytes, and the limit's file: cgroup v2's memory.max and memory.current,
// or v1's memory.limit_in_bytes and memory.usage_in_bytes. The cgroup is
// the one /proc/self/cgroup names, else the mount's root (in a container
// the process's cgroup is mounted as the root). ok is false without a limit
// ("max", or v1's page-rounded maximum) or where neither file can be read.
func Cgroup() (limit, used int64, file string, ok bool) {
	return cgroupAt("/proc/self/cgroup", "/sys/fs/cgroup")
}

// cgroupAt is Cgroup with the process's cgroup file and the cgroup mount
// given.
func cgroupAt(self, root string) (limit, used int64, file string, ok bool) {
	cg, err := os.ReadFile(self)
	if err != nil {
		return 0, 0, "", false
	}
	for _, line := range strings.Split(string(cg), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var mount, max, cur string
		switch {
		case f[0] == "0" && f[1] == "": // v2
			mount, max, cur = root, "memory.max", "memory.current"
		case slices.Contains(strings.Split(f[1], ","), "memory"): // v1
			mount, max, cur = filepath.Join(root, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for _, dir := range []string{filepath.Join(mount, f[2]), mount} {
			l, err1 := readInt(filepath.Join(dir, max))
			u, err2 := readInt(filepath.Join(dir, cur))
			if err1 == nil && err2 == nil && l < 1<<62 {
				return l, u, max, true
			}
		}
	}
	return 0, 0, "", false
}

// readInt reads a file holding one integer; "max" is an error.
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
