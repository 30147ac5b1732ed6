package backendtest

import (
	"strings"
	"testing"

	"gltrain/backend"
)

// RunCases runs the cases of Cases whose name starts with prefix on b,
// against their oracles: one kernel's cases, for a backend forced onto one
// of that kernel's variants.
func RunCases(t *testing.T, b backend.Backend, prefix string) {
	n := 0
	for _, c := range Cases() {
		if strings.HasPrefix(c.Name, prefix) {
			n++
			t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, Execute) })
		}
	}
	if n == 0 {
		t.Fatalf("no case is named %s…", prefix)
	}
}
