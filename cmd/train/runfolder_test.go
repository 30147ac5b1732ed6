package main

import (
	"bufio"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entries lists the names in dir ("" for the current directory).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	if dir == "" {
		dir = "."
	}
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestRunFolderByDefault: without -plot a run writes its pictures and
// metrics.jsonl into a new runs/<data>-<YYYYmmdd-HHMMSS> folder under the
// current directory, named in the summary; a second run gets its own
// folder. metrics.jsonl holds the -json lines.
func TestRunFolderByDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=3")
	require.Equal(t, 0, code, stderr)
	runs := entries(t, runsDir)
	require.Len(t, runs, 1)
	assert.Regexp(t, `^spiral-\d{8}-\d{6}$`, runs[0])
	dir := filepath.Join(runsDir, runs[0])
	assert.Contains(t, stdout, "\nrun      "+dir+": metrics.jsonl, steps.csv, "+decisionBoundaryFile+", "+lossCurveFile+", "+accuracyCurveFile+"\n")
	assert.ElementsMatch(t, []string{metricsFile, stepsFile, decisionBoundaryFile, lossCurveFile, accuracyCurveFile}, entries(t, dir))
	for _, name := range []string{decisionBoundaryFile, lossCurveFile, accuracyCurveFile} {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = png.Decode(f)
		f.Close()
		assert.NoError(t, err, name)
	}
	lines := readLines(t, filepath.Join(dir, metricsFile))
	require.Len(t, lines, 3)
	for i, l := range lines {
		var e epochJSON
		require.NoError(t, json.Unmarshal([]byte(l), &e), l)
		assert.Equal(t, i+1, e.Epoch)
		assert.Equal(t, 3, e.Epochs)
		assert.NotNil(t, e.ValAccuracy)
		assert.Equal(t, "cpu", e.Backend)
	}

	// Another run in the same second gets runs/…-2: never an overwrite.
	code, _, stderr = runTrain(t, "-backend=cpu", "-epochs=1")
	require.Equal(t, 0, code, stderr)
	assert.Len(t, entries(t, runsDir), 2)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var lines []string
	for s := bufio.NewScanner(f); s.Scan(); {
		lines = append(lines, s.Text())
	}
	return lines
}

// TestMetricsMatchJSON: metrics.jsonl holds exactly the lines -json prints.
func TestMetricsMatchJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b") // made with its parents
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=2", "-json", "-plot="+dir)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, strings.Split(strings.TrimSpace(stdout), "\n"), readLines(t, filepath.Join(dir, metricsFile)))
	assert.Contains(t, stderr, "\nrun      "+dir+": metrics.jsonl, ")
}

// TestRunFolderNames: a CSV file's run is named after its base name; a
// folder that exists gets -2, -3, ….
func TestRunFolderNames(t *testing.T) {
	now := time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)
	assert.Equal(t, "iris-20250102-150405", runName("data/iris.csv", now))
	assert.Equal(t, "Points.v2-20250102-150405", runName("/x/Points.v2.CSV", now))
	assert.Equal(t, "train-20250102-150405", runName("/x/train.csv.gz", now))
	assert.Equal(t, "Train-20250102-150405", runName("Train.CSV.GZ", now))
	assert.Equal(t, "mnist-20250102-150405", runName("mnist", now))
	assert.Equal(t, "corpus-20250102-150405", runName("text:/x/corpus.txt", now))
	assert.Equal(t, "go-20250102-150405", runName("go", now))
	base := filepath.Join(t.TempDir(), "runs", "spiral-20250102-150405")
	for _, want := range []string{base, base + "-2", base + "-3"} {
		got, err := newRunDir(base)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

// TestPlotEmptyWritesNothing: -plot= writes no folder, picture or
// metrics.jsonl; nor does -quiet without -plot, or -eval. -quiet with
// -plot=DIR writes them, and names the folder after the summary.
func TestPlotEmptyWritesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	ck := filepath.Join(t.TempDir(), "m.safetensors")
	for i, args := range [][]string{
		{"-plot=", "-save=" + ck},
		{"-quiet"},
		{"-load=" + ck, "-eval"},
		{"-load=" + ck, "-eval", "-plot=pictures"}, // warned about, and ignored
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-epochs=1"}, args...)...)
		require.Equal(t, 0, code, "%d %v: %s", i, args, stderr)
		assert.Empty(t, entries(t, ""), "%d %v", i, args)
		assert.NotContains(t, stdout, "run      ", "%d %v", i, args)
	}
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-quiet", "-plot=quiet")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2, stdout)
	assert.True(t, strings.HasPrefix(lines[0], "done     1 epoch in "), lines[0])
	assert.Equal(t, "run      quiet: metrics.jsonl, steps.csv, "+decisionBoundaryFile+", "+lossCurveFile+", "+accuracyCurveFile, lines[1])
}

// TestBadOutputPathsFailFast: a -plot naming a picture, a -plot or -save
// folder that cannot be made or written, and a -save that is a folder, are
// refused with exit status 2 before training begins, naming the path; the
// default run folder is not left behind.
func TestBadOutputPathsFailFast(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile("file", []byte("x"), 0o644))
	require.NoError(t, os.Mkdir("folder", 0o755))
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-plot=boundary.png"}, `invalid value "boundary.png" for -plot: it names the folder the pictures go into, not a picture; give a folder, e.g. -plot=boundary`},
		{[]string{"-plot=out/Loss.PNG"}, `invalid value "out/Loss.PNG" for -plot: it names the folder`},
		{[]string{"-plot=file/sub"}, `invalid value "file/sub" for -plot: cannot make the folder: not a directory`},
		{[]string{"-plot=file"}, `invalid value "file" for -plot: cannot make the folder: not a directory`},
		{[]string{"-save=missing/m.safetensors"}, `invalid value "missing/m.safetensors" for -save: the folder missing does not exist`},
		{[]string{"-save=file/m.safetensors"}, `invalid value "file/m.safetensors" for -save: file is not a folder`},
		{[]string{"-save=folder"}, `invalid value "folder" for -save: it is a folder; name the file to write`},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-epochs=1"}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v", i, tc.args)
		assert.Contains(t, stderr, "train: "+tc.want, "%d %v", i, tc.args)
		assert.NotContains(t, stdout, "epoch ", "%d %v: training began", i, tc.args)
		assert.ElementsMatch(t, []string{"file", "folder"}, entries(t, ""), "%d %v", i, tc.args)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		require.NoError(t, os.Chmod("folder", 0o555))
		defer os.Chmod("folder", 0o755)
		code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-save=folder/m.safetensors")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `for -save: cannot write in the folder folder: permission denied`)
		code, _, stderr = runTrain(t, "-backend=cpu", "-epochs=1", "-plot=folder")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `for -plot: cannot write in the folder: permission denied`)
	}
	// A run that fails before its first epoch leaves no empty run folder,
	// and no empty runs/ where it made runs/; a runs/ made before is kept.
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=missing.csv")
	assert.Equal(t, 1, code, stderr)
	assert.NoDirExists(t, runsDir)
	require.NoError(t, os.Mkdir(runsDir, 0o755))
	code, _, stderr = runTrain(t, "-backend=cpu", "-data=missing.csv")
	assert.Equal(t, 1, code, stderr)
	assert.Empty(t, entries(t, runsDir))
}

// TestRunFolderUnwritable: a current directory where runs/ cannot be made
// is refused before training, naming runs and saying how to choose another
// folder.
func TestRunFolderUnwritable(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile(runsDir, []byte("not a folder"), 0o644))
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1")
	assert.Equal(t, 2, code)
	assert.Regexp(t, regexp.MustCompile(`train: cannot make the run folder: runs is a file, not a folder \(-plot=DIR chooses another, -plot= writes none\)`), stderr)
	assert.NotContains(t, stdout, "epoch ")
}
