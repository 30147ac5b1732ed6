package hostmem

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// ReadKB reads the "Name: N kB" lines of a /proc file (/proc/meminfo,
// /proc/self/status) into a map from Name to N in bytes (N·1024). Other
// lines are skipped; where the file cannot be read the map is empty.
func ReadKB(path string) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(rest)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[name] = v << 10
		}
	}
	return out
}

// Meminfo reads /proc/meminfo (MemAvailable, MemTotal…), in bytes.
func Meminfo() map[string]int64 { return ReadKB("/proc/meminfo") }

// ProcStatus reads the sizes of /proc/self/status (VmSize, VmData,
// VmHWM…), in bytes.
func ProcStatus() map[string]int64 { return ReadKB("/proc/self/status") }
