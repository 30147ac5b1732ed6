package hostmem

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// write makes the files of a test's tree: name → content, under dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, s := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadKB: the "Name: N kB" lines are read in bytes, any other line is
// skipped, and a missing file is an empty map.
func TestReadKB(t *testing.T) {
	for i, tc := range []struct {
		name, text string
		want       map[string]int64
	}{
		{"meminfo", "MemTotal:       16384 kB\nMemAvailable:    8192 kB\n", map[string]int64{"MemTotal": 16 << 20, "MemAvailable": 8 << 20}},
		{"status", "Name:\ttrain\nVmSize:\t   2048 kB\nThreads:\t9\nVmHWM:\t  1 kB\n", map[string]int64{"VmSize": 2 << 20, "VmHWM": 1024}},
		{"skipped", "A: 1 MB\nB: x kB\nC 5 kB\nD: 1 2 kB\nE: 3 kB", map[string]int64{"E": 3072}},
		{"empty", "", map[string]int64{}},
		{"missing", "", map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if tc.name != "missing" {
				write(t, filepath.Dir(path), map[string]string{"f": tc.text})
			}
			if got := ReadKB(path); !maps.Equal(got, tc.want) {
				t.Errorf("%d %s: got %v, want %v", i, tc.name, got, tc.want)
			}
		})
	}
}

// TestCgroup: v2 and v1 limits are read from the process's cgroup, else
// from the mount's root; no limit ("max", v1's maximum) or a missing usage
// is none.
func TestCgroup(t *testing.T) {
	const v1max = "9223372036854771712\n"
	for i, tc := range []struct {
		name  string
		files map[string]string // under the test's root; "self" is /proc/self/cgroup
		limit int64
		used  int64
		file  string // "" where there is no limit
	}{
		{"v2 root", map[string]string{"self": "0::/\n", "memory.max": "1073741824\n", "memory.current": "1024\n"}, 1 << 30, 1024, "memory.max"},
		{"v2 nested", map[string]string{"self": "0::/a/b\n", "a/b/memory.max": "4096\n", "a/b/memory.current": "100\n", "memory.max": "8192\n", "memory.current": "1\n"}, 4096, 100, "memory.max"},
		{"v2 nested, mounted as root", map[string]string{"self": "0::/a/b\n", "memory.max": "8192\n", "memory.current": "1\n"}, 8192, 1, "memory.max"},
		{"v2 max", map[string]string{"self": "0::/\n", "memory.max": "max\n", "memory.current": "1024\n"}, 0, 0, ""},
		{"v2 no usage", map[string]string{"self": "0::/\n", "memory.max": "4096\n"}, 0, 0, ""},
		{"v1", map[string]string{"self": "5:cpu:/\n4:memory:/p\n0::/\n", "memory/p/memory.limit_in_bytes": "2048\n", "memory/p/memory.usage_in_bytes": "512\n"}, 2048, 512, "memory.limit_in_bytes"},
		{"v1 joint controllers", map[string]string{"self": "3:memory,hugetlb:/\n", "memory/memory.limit_in_bytes": "2048\n", "memory/memory.usage_in_bytes": "512\n"}, 2048, 512, "memory.limit_in_bytes"},
		{"v1 unlimited", map[string]string{"self": "4:memory:/p\n", "memory/memory.limit_in_bytes": v1max, "memory/memory.usage_in_bytes": "512\n"}, 0, 0, ""},
		{"no memory controller", map[string]string{"self": "3:cpu:/\n", "memory.max": "4096\n", "memory.current": "1\n"}, 0, 0, ""},
		{"no cgroup file", map[string]string{"memory.max": "4096\n", "memory.current": "1\n"}, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, tc.files)
			limit, used, file, ok := cgroupAt(filepath.Join(root, "self"), root)
			if limit != tc.limit || used != tc.used || file != tc.file || ok != (tc.file != "") {
				t.Errorf("%d %s: got %d, %d, %q, %v; want %d, %d, %q, %v", i, tc.name, limit, used, file, ok, tc.limit, tc.used, tc.file, tc.file != "")
			}
		})
	}
}

// TestAvailable: the least of the limits read, named, and 0 for one already
// passed; none where nothing can be read.
func TestAvailable(t *testing.T) {
	kb := func(m map[string]int64) func() map[string]int64 { return func() map[string]int64 { return m } }
	cgroup := func(limit, used int64, file string) func() (int64, int64, string, bool) {
		return func() (int64, int64, string, bool) { return limit, used, file, file != "" }
	}
	rlimit := func(v int64, ok bool) func() (int64, bool) { return func() (int64, bool) { return v, ok } }
	mem := kb(map[string]int64{"MemAvailable": 1000})
	vm := kb(map[string]int64{"VmSize": 300})
	none := kb(map[string]int64{})
	for i, tc := range []struct {
		name string
		s    sources
		left int64
		what string // "" where none is read
	}{
		{"MemAvailable", sources{mem, vm, cgroup(0, 0, ""), rlimit(0, false)}, 1000, "MemAvailable"},
		{"cgroup v2", sources{mem, vm, cgroup(900, 100, "memory.max"), rlimit(0, false)}, 800, "the cgroup's memory.max"},
		{"cgroup v1", sources{mem, vm, cgroup(900, 100, "memory.limit_in_bytes"), rlimit(0, false)}, 800, "the cgroup's memory.limit_in_bytes"},
		{"cgroup above", sources{mem, vm, cgroup(5000, 100, "memory.max"), rlimit(0, false)}, 1000, "MemAvailable"},
		{"RLIMIT_AS", sources{mem, vm, cgroup(900, 100, "memory.max"), rlimit(800, true)}, 500, "RLIMIT_AS (ulimit -v)"},
		{"RLIMIT_AS passed", sources{mem, vm, cgroup(0, 0, ""), rlimit(200, true)}, 0, "RLIMIT_AS (ulimit -v)"},
		{"RLIMIT_AS without VmSize", sources{mem, none, cgroup(0, 0, ""), rlimit(200, true)}, 1000, "MemAvailable"},
		{"cgroup alone", sources{none, none, cgroup(900, 100, "memory.max"), rlimit(0, false)}, 800, "the cgroup's memory.max"},
		{"nothing", sources{none, none, cgroup(0, 0, ""), rlimit(0, false)}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			left, what, ok := available(tc.s)
			if left != tc.left || what != tc.what || ok != (tc.what != "") {
				t.Errorf("%d %s: got %d, %q, %v; want %d, %q, %v", i, tc.name, left, what, ok, tc.left, tc.what, tc.what != "")
			}
		})
	}
}

// TestHost: on Linux the host's files are read: MemAvailable, VmSize, and
// a limit from Available.
func TestHost(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if Meminfo()["MemAvailable"] <= 0 || ProcStatus()["VmSize"] <= 0 {
		t.Fatalf("MemAvailable %d, VmSize %d: want both > 0", Meminfo()["MemAvailable"], ProcStatus()["VmSize"])
	}
	if left, what, ok := Available(); !ok || what == "" || left < 0 {
		t.Fatalf("Available: %d, %q, %v", left, what, ok)
	}
}
