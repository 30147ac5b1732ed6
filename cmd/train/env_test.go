package main

import (
	"strings"
	"testing"
)

// TestUnknownEnvValuesRefused: a value of a GLTRAIN_* variable that its
// backend does not know is refused by name (exit 2), whichever backend is
// chosen, instead of silently taken as the default (GLTRAIN_BLAS=bogus was
// gonum, with advice to install OpenBLAS; GLTRAIN_GL_DIAG and
// GLTRAIN_GL_TUNE were ignored); a long value is quoted briefly.
func TestUnknownEnvValuesRefused(t *testing.T) {
	long := strings.Repeat("a", 5000)
	for _, tc := range []struct{ name, value, want string }{
		{"GLTRAIN_BLAS", "bogus", `GLTRAIN_BLAS="bogus": want auto, gonum, or unset`},
		{"GLTRAIN_GL_DIAG", "barrier", `GLTRAIN_GL_DIAG="barrier": want barriers, finish, or unset`},
		{"GLTRAIN_GL_TUNE", "yes", `GLTRAIN_GL_TUNE="yes": want on, off, or unset`},
		{"GLTRAIN_GL_CONTEXT", long, `GLTRAIN_GL_CONTEXT="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"…: want auto, egl,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			for _, be := range []string{"cpu", "auto"} {
				code, stdout, stderr := runTrain(t, "-backend="+be, "-epochs=1", "-plot=")
				if code != 2 || !strings.Contains(stderr, tc.want) || len(stderr) > 400 || stdout != "" {
					t.Errorf("-backend=%s: exit %d, stdout %q, stderr %q; want 2 and %q", be, code, tail(stdout), tail(stderr), tc.want)
				}
			}
		})
	}
}
