package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterruptKeepsPlots: a run stopped by Ctrl-C (SIGINT, sent to the
// command as a process) keeps its pictures, drawn when it stopped (each
// modified after the signal), whole PNGs of the run so far, beside
// metrics.jsonl and steps.csv, which record every epoch it finished; the
// message says where they are.
func TestInterruptKeepsPlots(t *testing.T) {
	dir := t.TempDir()
	cmd := command(t, "-backend=cpu", "-epochs=100000", "-batch=300", "-plot="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	scan := bufio.NewScanner(stdout)
	for epochs := 0; epochs < 3 && scan.Scan(); {
		if strings.HasPrefix(scan.Text(), "epoch ") {
			epochs++
		}
	}
	signalled := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	for scan.Scan() {
	}
	cmd.Wait()
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), "stderr %q", tail(stderr.String()))
	assert.Contains(t, stderr.String(), "interrupted; the run's record and pictures are in "+dir, "the message names the folder")

	raw, err := os.ReadFile(filepath.Join(dir, metricsFile))
	require.NoError(t, err)
	epochs := strings.Count(string(raw), "\n")
	require.GreaterOrEqual(t, epochs, 3)
	h, _, err := readRunRecord(dir, epochs, epochs) // -batch=300 on 240 samples: one step an epoch
	require.NoError(t, err, "the record of the interrupted run")
	assert.Len(t, h.Epochs, epochs)
	for _, name := range []string{decisionBoundaryFile, lossCurveFile, accuracyCurveFile} {
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if !assert.NoError(t, err, "%s after Ctrl-C", name) {
			continue
		}
		assert.False(t, fi.ModTime().Before(signalled), "%s was not drawn at the interrupt (modified %v, signal %v)", name, fi.ModTime(), signalled)
		f, err := os.Open(path)
		require.NoError(t, err)
		_, err = png.Decode(f)
		f.Close()
		assert.NoError(t, err, "%s is not a whole PNG", name)
	}
}

// TestResumeContinuesRunFolder: a run of 2 epochs resumed to 4 continues
// its run folder (no second one under runs/): metrics.jsonl holds epochs 1
// to 4 once each, steps.csv steps 1 to 4 epochs' worth in order, and the
// loss curve drawn from them spans all the steps, the accuracy curve all
// the epochs. When the folder is gone, the resumed run writes a new one
// whose steps continue the checkpoint's numbering.
func TestResumeContinuesRunFolder(t *testing.T) {
	first := command(t, "-backend=cpu", "-epochs=2", "-save=m.safetensors")
	work := first.Dir
	out, err := first.CombinedOutput()
	require.NoError(t, err, "%s", out)
	resume := command(t, "-backend=cpu", "-resume=m.safetensors", "-epochs=4")
	resume.Dir = work
	out, err = resume.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "continuing from epoch 2, step 30")

	runs, err := filepath.Glob(filepath.Join(work, runsDir, "*"))
	require.NoError(t, err)
	require.Len(t, runs, 1, "the resumed run made a folder of its own")
	dir := runs[0]
	raw, err := os.ReadFile(filepath.Join(dir, metricsFile))
	require.NoError(t, err)
	var epochs []int
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var e epochJSON
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		epochs = append(epochs, e.Epoch)
	}
	assert.Equal(t, []int{1, 2, 3, 4}, epochs, "metrics.jsonl's epochs")
	const steps = 4 * 15 // spiral: 240 training samples in batches of 16
	h, _, err := readRunRecord(dir, 4, steps)
	require.NoError(t, err)
	lines, err := os.ReadFile(filepath.Join(dir, stepsFile))
	require.NoError(t, err)
	assert.Equal(t, steps+1, strings.Count(string(lines), "\n"), "steps.csv: a header and one line a step")
	lp, err := lossPlot(&h, 1, "validation", "loss")
	require.NoError(t, err)
	assert.True(t, lp.X.Min < 1 && lp.X.Max > steps && lp.X.Max < steps+0.1*steps, "the loss curve's steps: [%v, %v]", lp.X.Min, lp.X.Max)
	ap, err := accuracyPlot(&h, "validation", "accuracy")
	require.NoError(t, err)
	assert.True(t, ap.X.Min < 1 && ap.X.Min > 0 && ap.X.Max > 4 && ap.X.Max < 5, "the accuracy curve's epochs: [%v, %v]", ap.X.Min, ap.X.Max)
	for _, name := range []string{lossCurveFile, accuracyCurveFile, decisionBoundaryFile} {
		assert.FileExists(t, filepath.Join(dir, name))
	}

	// The folder gone: a new one, its steps numbered on from the checkpoint.
	require.NoError(t, os.RemoveAll(dir))
	again := command(t, "-backend=cpu", "-resume=m.safetensors", "-epochs=5")
	again.Dir = work
	out, err = again.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "not continuing "+dir)
	runs, _ = filepath.Glob(filepath.Join(work, runsDir, "*"))
	require.Len(t, runs, 1)
	lines, err = os.ReadFile(filepath.Join(runs[0], stepsFile))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(lines), "step,loss\n61,"), "steps.csv of the new folder: %.40q", lines)
}
