package shaders_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/shaders"
)

// TestActivationNumbering checks that the fused kernels, which select the
// activation by a uniform int, number the kinds as backend.ActivationKind
// does: a #define ACT_<NAME> <kind> for every kind, and no other.
func TestActivationNumbering(t *testing.T) {
	def := regexp.MustCompile(`(?m)^#define (ACT_\w+) (\d+)$`)
	for i, name := range []string{"linear_forward.comp", "linear_backward.comp"} {
		src, err := fs.ReadFile(shaders.FS, name)
		if err != nil {
			t.Fatalf("%d %s: %v", i, name, err)
		}
		got := map[string]string{}
		for _, m := range def.FindAllStringSubmatch(string(src), -1) {
			got[m[1]] = m[2]
		}
		want := map[string]string{}
		for _, k := range backend.ActivationKinds() {
			want["ACT_"+strings.ToUpper(strings.ReplaceAll(k.String(), "-", "_"))] = fmt.Sprint(int(k))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d %s: defines %v, want %v", i, name, got, want)
		}
	}
}
