package cpu_test

import (
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

func TestConformance(t *testing.T) { backendtest.Run(t, cpu.New()) }
