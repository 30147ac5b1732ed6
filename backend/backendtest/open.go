package backendtest

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"gltrain/backend"
)

// opened caches one backend per name for the whole test binary: creating a
// GL context costs far more than any one test, and backends are safe to share.
var opened struct {
	sync.Mutex
	backends map[string]backend.Backend
	errs     map[string]error
}

// RequireGL reports whether a failure to open the GL backend must fail the
// tests rather than skip them: in CI (CI=true) or when GLTRAIN_REQUIRE_GL=1.
func RequireGL() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GLTRAIN_REQUIRE_GL") == "1"
}

// Open returns the registered backend spec (see backend.Open), opened once
// per test binary and shared. When it cannot be opened, the test fails if the
// backend is required (cpu always; gl when RequireGL), and otherwise skips,
// saying why.
func Open(t testing.TB, spec string) backend.Backend {
	t.Helper()
	if err := backend.CheckEnv("GLTRAIN_REQUIRE_GL", "0", "1"); err != nil {
		t.Fatal(err)
	}
	opened.Lock()
	defer opened.Unlock()
	if opened.backends == nil {
		opened.backends = make(map[string]backend.Backend)
		opened.errs = make(map[string]error)
	}
	b, ok := opened.backends[spec]
	err := opened.errs[spec]
	if !ok && err == nil {
		b, err = backend.Open(spec)
		if err != nil {
			opened.errs[spec] = err
		} else {
			opened.backends[spec] = b
		}
	}
	if err != nil {
		if spec == "cpu" || RequireGL() {
			t.Fatalf("open backend %s: %v", spec, err)
		}
		t.Skipf("backend %s unavailable (set CI=true or GLTRAIN_REQUIRE_GL=1 to make this a failure): %v", spec, err)
	}
	return b
}

// ForEach runs f as a subtest on every registered backend (those the test
// binary imports), named after it, opening each with Open.
func ForEach(t *testing.T, f func(t *testing.T, b backend.Backend)) {
	for _, name := range backend.Names() {
		t.Run(name, func(t *testing.T) { f(t, Open(t, name)) })
	}
}

// PyTorch returns the Python interpreter that imports Debian's torch
// (/usr/bin/python3), for the tests that check gltrain against PyTorch.
// Without it the test skips, or fails when PyTorch is required:
// GLTRAIN_REQUIRE_TORCH=1, which make test sets, having installed
// python3-torch.
func PyTorch(t testing.TB) string {
	t.Helper()
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		msg := fmt.Sprintf("PyTorch is not installed (%s -c 'import torch': %v); install python3-torch to run this test", python, err)
		if os.Getenv("GLTRAIN_REQUIRE_TORCH") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}
