package cpu_test

import (
	"os"
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// TestConformance runs the suite on the default backend, whose products go
// to OpenBLAS when the machine has it, with every product on the library
// (not only the large ones), and on gonum's Sgemm alone. make test installs
// OpenBLAS, so under CI (or GLTRAIN_REQUIRE_BLAS=1) its absence fails.
func TestConformance(t *testing.T) {
	t.Run("default", func(t *testing.T) { backendtest.Run(t, cpu.New()) })
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
