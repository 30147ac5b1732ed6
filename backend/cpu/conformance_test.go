package cpu_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// TestConformance runs the suite on the default backend, whose products go
// to OpenBLAS when the machine has it, with every product on the library
// (not only the large ones), and on gonum's Sgemm alone. make test installs
// OpenBLAS, so under CI (or GLTRAIN_REQUIRE_BLAS=1) its absence fails.
func TestConformance(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		b := cpu.New()
		if os.Getenv("GLTRAIN_BLAS") == "gonum" && b.UsesBLAS() {
			t.Fatal("GLTRAIN_BLAS=gonum, yet the backend loaded a BLAS library")
		}
		t.Logf("products: %s", b.Device().Products)
		backendtest.Run(t, b)
	})
	t.Run("blas", func(t *testing.T) {
		b := cpu.New()
		if !b.UsesBLAS() {
			if os.Getenv("CI") == "true" || os.Getenv("GLTRAIN_REQUIRE_BLAS") == "1" {
				t.Fatalf("no BLAS library loaded (%s); make deps installs libopenblas0", b.Device().Products)
			}
			t.Skipf("no BLAS library: %s", b.Device().Products)
		}
		cpu.SetGemmMin(b, 0)
		backendtest.Run(t, b)
	})
	t.Run("gonum", func(t *testing.T) {
		b := cpu.NewWithOptions(cpu.Options{BLAS: "gonum"})
		if b.UsesBLAS() {
			t.Fatal("blas=gonum loaded a BLAS library")
		}
		backendtest.Run(t, b)
	})
}

// TestConformanceLibraryHidden runs the default backend's conformance in a
// new process with GLTRAIN_BLAS=gonum, which hides every BLAS library from
// the loader: the fallback a machine without OpenBLAS gets.
func TestConformanceLibraryHidden(t *testing.T) {
	if os.Getenv("GLTRAIN_BLAS") == "gonum" {
		t.Skip("already the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformance$/^default$", "-test.v")
	cmd.Env = append(os.Environ(), "GLTRAIN_BLAS=gonum")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "products: gonum blas32") || !strings.Contains(string(out), "--- PASS: TestConformance/default") {
		t.Fatalf("conformance with the library hidden: %v\n%s", err, out)
	}
}
