package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeSampleMarker precedes, in README.md, the sample output of the
// default job that TestREADMESampleOutput keeps true.
const readmeSampleMarker = "<!-- README test: TestREADMESampleOutput compares the block below with a run of the default job -->"

// readmeIndented returns the indented block (4 spaces) that follows marker
// in README.md, its lines without the indentation.
func readmeIndented(t *testing.T, marker string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), marker)
	require.True(t, ok, "README.md has no %q", marker)
	var lines []string
	for _, l := range strings.Split(strings.TrimLeft(after, "\n"), "\n") {
		if !strings.HasPrefix(l, "    ") {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "    "))
	}
	require.NotEmpty(t, lines, "README.md: no indented block after %q", marker)
	return lines
}

var (
	// shapeNumber is a number with its unit or suffix (0.9296, 45.0%,
	// 732.6k, 1.20M, 0.3ms, 1m06s, 20261207): what changes from run to run
	// and machine to machine.
	shapeNumber = regexp.MustCompile(`([0-9][0-9.]*[A-Za-zµ%]*)+`)
	// shapeBackend is the backend line's device, which is the machine's.
	shapeBackend = regexp.MustCompile(`^backend [a-z]+: .*`)
	shapeSpace   = regexp.MustCompile(`\s+`)
)

// outputShape is a line of train's output with its numbers masked (#), its
// runs of spaces made one, and the backend line's device left out: what a
// README sample shares with any run of the same command.
func outputShape(line string) string {
	s := shapeSpace.ReplaceAllString(strings.TrimSpace(line), " ")
	s = shapeBackend.ReplaceAllString(s, "backend NAME: …")
	return shapeNumber.ReplaceAllString(s, "#")
}

// TestREADMESampleOutput runs the README's `make train` (the default job:
// no flags, the spiral, 30 epochs, about 0.2 s on the CPU) in a scratch
// folder and requires the README's sample to have the output's shape, line
// by line, numbers masked: the header (backend, data, model with its
// architecture as "2-100 relu-3" writes it, training), the first epoch, the
// last, the summary, the run folder and the time. The README's notice line
// is compared when the run gives one for a software renderer (as here and
// in CI); a run on a GPU trains there without it.
func TestREADMESampleOutput(t *testing.T) {
	readme := readmeIndented(t, readmeSampleMarker)
	t.Chdir(t.TempDir()) // the run folder goes to runs/ here
	code, stdout, stderr := runTrain(t)
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	out := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var notice string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "notice: ") && strings.Contains(l, "software renderer") {
			notice = l
		}
	}
	var epochs []string
	var header, summary []string
	for _, l := range out {
		switch {
		case strings.HasPrefix(l, "epoch "):
			epochs = append(epochs, l)
		case len(epochs) == 0:
			header = append(header, l)
		default:
			summary = append(summary, l)
		}
	}
	require.Len(t, epochs, 30, "%s", stdout)
	run := append(append(append(header, epochs[0], "…"), epochs[len(epochs)-1]), summary...)
	sample := readme
	if strings.HasPrefix(sample[0], "notice: ") {
		if notice != "" {
			run = append([]string{notice}, run...)
		} else {
			sample = sample[1:]
			t.Logf("this run gave no software-renderer notice: the README's notice line is not compared")
		}
	}
	for i := range max(len(run), len(sample)) {
		var got, want string
		if i < len(run) {
			got = run[i]
		}
		if i < len(sample) {
			want = sample[i]
		}
		if outputShape(got) != outputShape(want) {
			t.Errorf("line %d: README.md's sample\n\t%s\nhas the shape\n\t%s\nbut the run's line\n\t%s\nhas\n\t%s", i+1, want, outputShape(want), got, outputShape(got))
		}
	}
}
