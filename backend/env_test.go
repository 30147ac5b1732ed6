package backend_test

import (
	"errors"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/cpu"
	"gltrain/backend/gl"
)

// TestEnvRefused: the backends refuse values of their environment variables
// they do not know, naming the variable, quoting a long value briefly, and
// before any context is made (so without GL too); the cpu registry entry
// refuses to open, and a library-made CPU backend says why it uses gonum.
func TestEnvRefused(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"GLTRAIN_BLAS", "openblas", `environment variable GLTRAIN_BLAS="openblas": want auto, gonum, or unset`},
		{"GLTRAIN_GL_DIAG", "all", `environment variable GLTRAIN_GL_DIAG="all": want barriers, finish, or unset`},
		{"GLTRAIN_GL_TUNE", "1", `environment variable GLTRAIN_GL_TUNE="1": want on, off, or unset`},
		{"GLTRAIN_GL_CONTEXT", strings.Repeat("x", 5000), `GLTRAIN_GL_CONTEXT="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…: want auto, egl, egl-device`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			var err error
			if tc.name == "GLTRAIN_BLAS" {
				_, err = backend.Open("cpu")
				if p := cpu.New().Device().Products; !strings.Contains(p, tc.want) || strings.Contains(p, "install") {
					t.Errorf("cpu.New's products: %q", p)
				}
			} else {
				_, err = gl.New(gl.Options{})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 300 || !errors.Is(err, backend.ErrInvalidArgument) {
				t.Errorf("open with %s set: %v; want %q", tc.name, err, tc.want)
			}
		})
	}
}
