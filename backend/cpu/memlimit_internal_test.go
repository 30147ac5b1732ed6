package cpu

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"gltrain/backend"
	"gltrain/internal/hostmem"
)

// TestNewBeyondHostMemory: a tensor larger than the memory the host has
// left is an error wrapping backend.ErrOutOfMemory that names the sizes and
// the limit, and smaller ones are still made.
func TestNewBeyondHostMemory(t *testing.T) {
	saved := hostAvailable
	defer func() { hostAvailable = saved }()
	hostAvailable = func() (int64, string, bool) { return 64 << 20, "a test's limit", true }
	b := New()
	defer b.Close()
	_, err := b.New(backend.Shape{Rows: 8192, Cols: 4096}) // 128 MiB
	if !errors.Is(err, backend.ErrOutOfMemory) || !strings.Contains(err.Error(), "(128 MiB) does not fit in the 64 MiB left (a test's limit)") {
		t.Fatalf("New of 128 MiB with 64 MiB left: %v", err)
	}
	x, err := b.New(backend.Shape{Rows: 1000, Cols: 1000})
	if err != nil {
		t.Fatalf("New of 4 MB with 64 MiB left: %v", err)
	}
	b.Release(x)
}

// TestNewUnderAddressLimit: under ulimit -v (RLIMIT_AS) a tensor of 2 GiB
// that the limit cannot hold is an error, where Go's allocator ended the
// process with "fatal error: out of memory". It runs in a child process,
// whose limit it lowers.
func TestNewUnderAddressLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if os.Getenv("GLTRAIN_TEST_ADDRESS_LIMIT") == "1" {
		vm := hostmem.ProcStatus()["VmSize"]
		lim := uint64(vm + 512<<20)
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			t.Skip(err)
		}
		b := New()
		_, err := b.New(backend.Shape{Rows: 1 << 14, Cols: 1<<15 - 1}) // 2 GiB
		if !errors.Is(err, backend.ErrOutOfMemory) || !strings.Contains(err.Error(), "RLIMIT_AS") {
			t.Fatalf("New of 2 GiB under RLIMIT_AS of VmSize + 512 MiB: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNewUnderAddressLimit$")
	cmd.Env = append(os.Environ(), "GLTRAIN_TEST_ADDRESS_LIMIT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		s := string(out)
		if len(s) > 600 {
			s = s[:600]
		}
		t.Fatalf("child: %v\n%s", err, s)
	}
}
