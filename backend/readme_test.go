package backend_test

import (
	"os"
	"strings"
	"testing"

	"gltrain/backend"
)

// TestREADMEListsActivations: the README's table of activations has a row
// for every row of the activation table.
func TestREADMEListsActivations(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range backend.ActivationNames() {
		if !strings.Contains(string(readme), "\n| `"+name+"` |") {
			t.Errorf("README.md's table of activations has no row for %s", name)
		}
	}
}
