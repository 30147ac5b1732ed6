package backend_test

import (
	"strings"
	"testing"

	"gltrain/backend"
)

// TestOpenUnregistered: opening a backend whose package the program does
// not import names the import that registers it; an unknown name lists
// gltrain's backends.
func TestOpenUnregistered(t *testing.T) {
	for i, tc := range []struct {
		spec string
		want []string
	}{
		{"gl", []string{`backend "gl" is not registered`, `import _ "gltrain/backend/gl"`}},
		{"vulkan:x", []string{`backend "vulkan" is not registered`, "gltrain's backends are cpu and gl"}},
	} {
		if tc.spec == "gl" && contains(backend.Names(), "gl") {
			continue // this test binary imports it after all
		}
		_, err := backend.Open(tc.spec)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%d: Open(%q) = %v, want an error containing %q", i, tc.spec, err, w)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
