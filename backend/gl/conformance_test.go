package gl_test

import (
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
	_ "gltrain/backend/gl"
)

// TestConformance runs the whole suite on the GL backend against the float64
// oracles.
func TestConformance(t *testing.T) { backendtest.Run(t, backendtest.Open(t, "gl")) }

// TestMatchesCPU runs every case on the CPU reference and on GL with the same
// inputs and compares.
func TestMatchesCPU(t *testing.T) { backendtest.Compare(t, cpu.New(), backendtest.Open(t, "gl")) }
