package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/live"
)

// restartMidRun trains args with a hub, slowed to 4 steps a frame, until
// the run folder dir's metrics.jsonl holds lines epochs, then restarts it with
// seed 7 at full speed and returns the command's output and the hub's
// last snapshot once it is done.
func restartMidRun(t *testing.T, dir string, lines int, args ...string) (string, live.Snapshot) {
	t.Helper()
	hub := live.NewHub()
	hub.SetStepsPerFrame(4)
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		err, out = trainLiveTo(context.Background(), hub, args...)
		done <- err
	}()
	waitFor(t, hub, "epochs in metrics.jsonl", func(live.Snapshot) bool {
		raw, _ := os.ReadFile(filepath.Join(dir, metricsFile))
		return strings.Count(string(raw), "\n") >= lines
	})
	hub.Restart(7)
	hub.SetStepsPerFrame(0)
	require.NoError(t, <-done, out)
	return out, hub.Snapshot()
}

// recordOf is a run folder's metrics.jsonl, epoch and loss of each line
// (the rest holds timings), and steps.csv's lines.
func recordOf(t *testing.T, dir string) (epochs [][2]float64, steps []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, metricsFile))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e epochJSON
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		epochs = append(epochs, [2]float64{float64(e.Epoch), e.Loss})
	}
	raw, err := os.ReadFile(filepath.Join(dir, stepsFile))
	require.NoError(t, err)
	return epochs, strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// TestLiveRestartRecord: a viewer's restart starts the run folder's record
// afresh. In a folder the run made, metrics.jsonl and steps.csv then hold
// the restarted run alone: its epochs from 1, with the losses the viewer's
// curves show (the same numbers, so no tolerance), its steps from 1, and
// its pictures are drawn again. A resumed run's folder keeps its
// record, and the restarted run writes a new one, which it names.
func TestLiveRestartRecord(t *testing.T) {
	t.Run("own folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run")
		out, snap := restartMidRun(t, dir, 1, "-backend=cpu", "-epochs=4", "-hidden=8", "-plot="+dir)
		assert.Contains(t, out, "restart  from the viewer, -seed=7")
		epochs, steps := recordOf(t, dir)
		require.Len(t, snap.Curves, 4, "the restarted run's epochs")
		require.Len(t, epochs, 4, "the restarted run's epochs alone")
		for i, p := range snap.Curves {
			assert.Equal(t, [2]float64{float64(p.Epoch), p.TrainLoss}, epochs[i], "epoch %d: the restarted run's", i+1)
		}
		require.Len(t, steps, 1+4*15, "the header and 4 epochs of 15 steps")
		assert.Equal(t, "step,loss", steps[0])
		for i, line := range steps[1:] {
			assert.True(t, strings.HasPrefix(line, strconv.Itoa(i+1)+","), "line %d: %q", i+2, line)
		}
		for _, name := range []string{decisionBoundaryFile, lossCurveFile, accuracyCurveFile} {
			_, err := os.Stat(filepath.Join(dir, name))
			assert.NoError(t, err, "%s drawn again", name)
		}
	})
	t.Run("resumed folder", func(t *testing.T) {
		t.Chdir(t.TempDir()) // the new folder goes under runs/
		first, save := filepath.Join(t.TempDir(), "first"), filepath.Join(t.TempDir(), "m.safetensors")
		code, _, errOut := runTrain(t, "-backend=cpu", "-epochs=2", "-hidden=8", "-plot="+first, "-save="+save)
		require.Equal(t, 0, code, errOut)
		kept, keptSteps := recordOf(t, first)
		require.Len(t, kept, 2)
		out, _ := restartMidRun(t, first, 3, "-backend=cpu", "-epochs=5", "-resume="+save)
		runs, err := filepath.Glob(filepath.Join(runsDir, "spiral-*"))
		require.NoError(t, err)
		require.Len(t, runs, 1, out)
		assert.Contains(t, out, "run      "+runs[0]+": the restarted run's ("+first+" keeps the resumed run's record)")
		got, _ := recordOf(t, first)
		require.Greater(t, len(got), len(kept), "the resumed run wrote on before the restart")
		assert.Equal(t, kept, got[:2], "the resumed run's record is kept")
		_, gotSteps := recordOf(t, first)
		assert.Equal(t, keptSteps, gotSteps[:len(keptSteps)])
		epochs, steps := recordOf(t, runs[0])
		require.Len(t, epochs, 5, "the restarted run's 5 epochs")
		for i, e := range epochs {
			assert.Equal(t, float64(i+1), e[0])
		}
		assert.Len(t, steps, 1+5*15)
	})
}
