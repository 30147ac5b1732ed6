package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
)

// TestSaveThenLoadInAnotherProcess builds the program and runs it twice per
// backend, as two processes: -save trains and saves, -load loads the file
// in a fresh process. The probabilities the two print, to the last bit of
// each float32, must be identical: the file carries the weights, the
// standardisation and the class names. The gl backend is skipped when
// OpenGL 4.3 is missing, unless CI=true or GLTRAIN_REQUIRE_GL=1; with it,
// the file the cpu run saved is also loaded on gl.
func TestSaveThenLoadInAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "saveload")
	build := exec.Command("go", "build", "-o", exe, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	saved := map[string][]string{} // the -save run's prediction lines, per backend
	for _, name := range []string{"cpu", "gl"} {
		t.Run(name, func(t *testing.T) {
			if name == "gl" {
				backendtest.Open(t, "gl") // skips, or fails under CI, without GL
			}
			path := filepath.Join(dir, name+".safetensors")
			save := runLines(t, exe, "-backend", name, "-save", path)
			assert.Regexp(t, `^saved 2-64 tanh-32 relu-dropout 0\.2-3 to `+regexp.QuoteMeta(path)+` after 50 epochs: validation accuracy [0-9.]+%$`, save[0])
			load := runLines(t, exe, "-backend", name, "-load", path)
			assert.Equal(t, "loaded 2-64 tanh-32 relu-dropout 0.2-3 from "+path, load[0])

			checkPredictions(t, save[1:])
			assert.Equal(t, save[1:], load[1:], "predictions after -load vs after -save")
			saved[name] = save[1:]
		})
	}

	// The same file on the other backend: the same classes, and
	// probabilities within 1e-5 (the tolerance of the PyTorch check:
	// float32 sums taken in another order; 1e-7 was seen).
	t.Run("cpu file on gl", func(t *testing.T) {
		if saved["cpu"] == nil || saved["gl"] == nil {
			t.Skip("needs both backends' runs")
		}
		got := runLines(t, exe, "-backend", "gl", "-load", filepath.Join(dir, "cpu.safetensors"))
		want := parsePredictions(t, saved["cpu"])
		for i, p := range parsePredictions(t, got[1:]) {
			assert.Equal(t, want[i].class, p.class, "point %d", i)
			assert.InDeltaSlice(t, want[i].probs, p.probs, 1e-5, "point %d", i)
		}
	})
}

// runLines runs exe with args and returns the lines of its standard output.
func runLines(t *testing.T, exe string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(exe, args...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("%s %s: %v: %s", filepath.Base(exe), strings.Join(args, " "), err, exit.Stderr)
	}
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 1+len(points), "output of %s:\n%s", strings.Join(args, " "), out)
	return lines
}

type prediction struct {
	class string
	probs []float64
}

var predictionLine = regexp.MustCompile(`^\(\S+, \S+\): (red|green|blue) \[(\S+) (\S+) (\S+)\]$`)

// parsePredictions parses the lines "(x, y): class [p0 p1 p2]".
func parsePredictions(t *testing.T, lines []string) []prediction {
	t.Helper()
	var ps []prediction
	for _, line := range lines {
		m := predictionLine.FindStringSubmatch(line)
		require.NotNil(t, m, "line %q", line)
		p := prediction{class: m[1]}
		for _, s := range m[2:] {
			v, err := strconv.ParseFloat(s, 32)
			require.NoError(t, err, "line %q", line)
			p.probs = append(p.probs, v)
		}
		ps = append(ps, p)
	}
	return ps
}

// checkPredictions checks that each line names the most probable class and
// that its probabilities sum to 1 (three float32 values: 1e-6).
func checkPredictions(t *testing.T, lines []string) {
	t.Helper()
	for i, p := range parsePredictions(t, lines) {
		sum, best := 0.0, 0
		for c, v := range p.probs {
			sum += v
			if v > p.probs[best] {
				best = c
			}
		}
		assert.InDelta(t, 1, sum, 1e-6, "sum of the probabilities of point %d", i)
		assert.Equal(t, []string{"red", "green", "blue"}[best], p.class, "class of point %d", i)
	}
}

// TestUsage: the program wants exactly one of -save and -load.
func TestUsage(t *testing.T) {
	if os.Getenv("SAVELOAD_USAGE") == "1" {
		os.Args = []string{"saveload", "-backend", "cpu"}
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUsage$")
	cmd.Env = append(os.Environ(), "SAVELOAD_USAGE=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "output %s", out)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(out), "usage: saveload")
}
