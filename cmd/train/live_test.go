package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/live"
	"gltrain/nn"
)

// trainLiveTo runs the command's training with hub as its live view, as
// runTo does with -serve, and returns its error and output.
func trainLiveTo(ctx context.Context, hub *live.Hub, args ...string) (error, string) {
	var out bytes.Buffer
	c, err := parseFlags(args, &out)
	if err != nil {
		return err, out.String()
	}
	c.hub = hub
	u := newUI(c.uiOptions(), &out, &out)
	lv := &liveRun{hub: hub}
	err = lv.wrap(func() error { return train(ctx, c, u, &out) })()
	return err, out.String()
}

// waitFor waits until the hub's snapshot satisfies ok (10 s at most).
func waitFor(t *testing.T, hub *live.Hub, what string, ok func(live.Snapshot) bool) live.Snapshot {
	t.Helper()
	ch, unsubscribe := hub.Subscribe()
	defer unsubscribe()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-ch:
			if s := hub.Snapshot(); ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("waited 10 s for %s; the snapshot is at epoch %d, step %d", what, hub.Snapshot().Epoch, hub.Snapshot().Step)
		}
	}
}

// TestLivePublishes: a run on the spiral publishes a curve point an epoch
// whose steps count the batches, the validation confusion matrix (its
// counts add to the validation set's size), and at the end a 200×200
// decision map equal, cell for cell, to the saved model's predictions on
// the grid, on the same backend (the same computation, so no tolerance).
func TestLivePublishes(t *testing.T) {
	dir := t.TempDir()
	save := filepath.Join(dir, "m.safetensors")
	hub := live.NewHub()
	err, out := trainLiveTo(context.Background(), hub, "-backend=cpu", "-epochs=3", "-hidden=16", "-plot="+dir, "-save="+save)
	require.NoError(t, err, out)
	s := hub.Snapshot()
	assert.True(t, s.Done)
	assert.Empty(t, s.Err)
	assert.Equal(t, dir, s.Run)
	assert.Equal(t, "classification", s.Task)
	assert.Equal(t, 3, s.Epochs)
	const steps = 15 // 240 training rows in batches of 16
	require.Len(t, s.Curves, 3)
	for i, p := range s.Curves {
		assert.Equal(t, i+1, p.Epoch)
		assert.Equal(t, int64(steps*(i+1)), p.Step)
		assert.Positive(t, p.TrainLoss)
		assert.Positive(t, p.ValLoss)
		assert.InDelta(t, 0.5, p.ValAcc, 0.5)
	}
	assert.Equal(t, int64(3*steps), s.Step)
	require.Len(t, s.Confusion, 3)
	total := 0
	for _, row := range s.Confusion {
		for _, n := range row {
			total += n
		}
	}
	assert.Equal(t, 60, total, "the 20% held out of 300 points")
	assert.Nil(t, s.Misclassified)
	assert.Nil(t, s.Filters)

	b := s.Boundary
	require.NotNil(t, b)
	assert.Equal(t, 3*steps, int(b.Step), "the last boundary is the trained model's")
	require.Equal(t, [2]int{200, 200}, [2]int{b.W, b.H})
	assert.Len(t, b.Train, 240)
	assert.Len(t, b.Val, 60)
	for _, p := range append(b.Train, b.Val...) {
		require.True(t, float64(p.X) > b.XMin && float64(p.X) < b.XMax && float64(p.Y) > b.YMin && float64(p.Y) < b.YMax, "point %v outside the map", p)
	}
	assert.Len(t, sameAsPredict(t, b, save), 3, "three epochs draw all three classes")
}

// sameAsPredict checks the map's cells against the classes that the saved
// model (with its standardisation) predicts at their centres, in raw
// coordinates, on the CPU as the run was: the same computation, so no
// tolerance. It returns the classes seen.
func sameAsPredict(t *testing.T, b *live.Boundary, save string) map[uint8]bool {
	t.Helper()
	m, err := nn.Load(save, backendtest.Open(t, "cpu"))
	require.NoError(t, err)
	defer m.Release()
	grid := make([]float32, 0, 2*200*200)
	for r := range 200 {
		for c := range 200 {
			grid = append(grid, float32(b.XMin+(float64(c)+0.5)/200*(b.XMax-b.XMin)), float32(b.YMax-(float64(r)+0.5)/200*(b.YMax-b.YMin)))
		}
	}
	want, err := nn.Predict(m, grid)
	require.NoError(t, err)
	seen := map[uint8]bool{}
	for i, k := range want {
		require.Equal(t, k, int(b.Class[i]), "cell %d", i)
		require.True(t, b.Conf[i] >= 1/float32(m.Outputs) && b.Conf[i] <= 1, "cell %d: probability %v", i, b.Conf[i])
		seen[b.Class[i]] = true
	}
	return seen
}

// TestLiveBoundaryCSV: a 2-feature CSV file's map lies in the file's own
// coordinates (x about 150 ± 50, y ± 8 here), its points too, and the
// model standardises the grid as it does predicting.
func TestLiveBoundaryCSV(t *testing.T) {
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString("x1,x2,label\n")
	for i := range 200 {
		k := i % 2
		a, r := float64(i)*0.7, 1+1.5*float64(k)
		fmt.Fprintf(&rows, "%.3f,%.3f,%d\n", 150+20*r*math.Cos(a), 3*r*math.Sin(a), k)
	}
	path := filepath.Join(dir, "rings.csv")
	require.NoError(t, os.WriteFile(path, []byte(rows.String()), 0o644))
	save := filepath.Join(dir, "m.safetensors")
	hub := live.NewHub()
	err, out := trainLiveTo(context.Background(), hub, "-backend=cpu", "-data="+path, "-epochs=20", "-plot=", "-save="+save)
	require.NoError(t, err, out)
	b := hub.Snapshot().Boundary
	require.NotNil(t, b)
	assert.True(t, b.XMin > 90 && b.XMin < 100 && b.XMax > 200 && b.XMax < 210, "x from %v to %v", b.XMin, b.XMax)
	assert.True(t, b.YMin > -8.5 && b.YMin < -7 && b.YMax > 7 && b.YMax < 8.5, "y from %v to %v", b.YMin, b.YMax)
	require.Len(t, b.Train, 160)
	for _, p := range append(b.Train, b.Val...) {
		require.True(t, p.X >= 99.9 && p.X <= 200.1 && p.Y >= -7.6 && p.Y <= 7.6, "point %v: want the file's coordinates", p)
	}
	assert.Len(t, sameAsPredict(t, b, save), 2)
}

// TestLiveResumeContinues: a resumed run's curve points continue the
// epochs and steps of the run it resumes.
func TestLiveResumeContinues(t *testing.T) {
	dir := t.TempDir()
	save := filepath.Join(dir, "m.safetensors")
	code, _, errOut := runTrain(t, "-backend=cpu", "-epochs=2", "-hidden=8", "-plot=", "-save="+save)
	require.Equal(t, 0, code, errOut)
	hub := live.NewHub()
	err, out := trainLiveTo(context.Background(), hub, "-backend=cpu", "-epochs=4", "-plot=", "-resume="+save, "-save="+save)
	require.NoError(t, err, out)
	s := hub.Snapshot()
	require.Len(t, s.Curves, 2)
	assert.Equal(t, [2]int{3, 4}, [2]int{s.Curves[0].Epoch, s.Curves[1].Epoch})
	assert.Equal(t, [2]int64{45, 60}, [2]int64{s.Curves[0].Step, s.Curves[1].Step})
}

// TestLiveControls: pausing holds the step counter; Stop ends the run as
// Ctrl-C does (exit 130, the checkpoint kept); Restart trains again from
// epoch 1 with its seed.
func TestLiveControls(t *testing.T) {
	t.Run("pause and stop", func(t *testing.T) {
		dir := t.TempDir()
		save := filepath.Join(dir, "m.safetensors")
		hub := live.NewHub()
		hub.SetStepsPerFrame(4) // about 4 epochs a second: slow enough to catch
		done := make(chan error, 1)
		var out string
		go func() {
			var err error
			err, out = trainLiveTo(context.Background(), hub, "-backend=cpu", "-epochs=1000", "-hidden=8", "-plot=", "-save="+save)
			done <- err
		}()
		waitFor(t, hub, "epoch 2", func(s live.Snapshot) bool { return len(s.Curves) >= 1 })
		hub.Pause()
		time.Sleep(100 * time.Millisecond) // a progress read in flight lands
		held := hub.Snapshot()
		time.Sleep(300 * time.Millisecond)
		after := hub.Snapshot()
		assert.True(t, after.Paused)
		assert.Equal(t, held.Step, after.Step, "paused, the step counter holds")
		assert.Equal(t, held.Epoch, after.Epoch)
		hub.Stop()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Stop did not end the run within 10 s")
		}
		var code exitCode
		require.ErrorAs(t, err, &code, out)
		assert.Equal(t, 130, code.code)
		assert.Contains(t, code.err.Error(), "interrupted")
		_, statErr := os.Stat(save)
		assert.NoError(t, statErr, "the checkpoint is kept")
		s := hub.Snapshot()
		assert.True(t, s.Done)
		assert.Contains(t, s.Err, "interrupted")
	})
	t.Run("restart", func(t *testing.T) {
		hub := live.NewHub()
		hub.SetStepsPerFrame(4)
		done := make(chan error, 1)
		var out string
		go func() {
			var err error
			err, out = trainLiveTo(context.Background(), hub, "-backend=cpu", "-epochs=4", "-hidden=8", "-plot=")
			done <- err
		}()
		waitFor(t, hub, "epoch 2", func(s live.Snapshot) bool { return len(s.Curves) >= 1 && s.Curves[len(s.Curves)-1].Epoch >= 2 })
		hub.Restart(7)
		hub.SetStepsPerFrame(0)
		require.NoError(t, <-done, out)
		assert.Contains(t, out, "restart  from the viewer, -seed=7")
		s := hub.Snapshot()
		require.Len(t, s.Curves, 4, "the restarted run's epochs, from 1")
		for i, p := range s.Curves {
			assert.Equal(t, i+1, p.Epoch)
			assert.Equal(t, int64(15*(i+1)), p.Step)
		}
	})
}

// TestLiveImages: on images, a snapshot holds the first convolution's
// filters (each scaled to span [0, 1]) and the misclassified validation
// images, as many as the confusion matrix counts off its diagonal, up to
// 16, labelled "true → predicted".
func TestLiveImages(t *testing.T) {
	path := imagesCSV(t, 90)
	hub := live.NewHub()
	err, out := trainLiveTo(context.Background(), hub, "-backend=cpu", "-plot=", "-data="+path, "-input-shape=1x6x6",
		"-layers=conv:4:3,relu,maxpool:2,flatten,8:relu", "-epochs=1", "-lr=0.001")
	require.NoError(t, err, out)
	s := hub.Snapshot()
	require.Len(t, s.Filters, 4)
	for _, f := range s.Filters {
		assert.Equal(t, [3]int{3, 3, 1}, [3]int{f.W, f.H, f.C})
		lo, hi := float32(1), float32(0)
		for _, v := range f.Pix {
			lo, hi = min(lo, v), max(hi, v)
		}
		assert.Equal(t, [2]float32{0, 1}, [2]float32{lo, hi})
	}
	wrong := 0
	for i, row := range s.Confusion {
		for j, n := range row {
			if i != j {
				wrong += n
			}
		}
	}
	require.Positive(t, wrong, "one epoch at a low rate leaves mistakes")
	require.Len(t, s.Misclassified, min(wrong, 16))
	for _, im := range s.Misclassified {
		assert.Equal(t, [3]int{6, 6, 1}, [3]int{im.W, im.H, im.C})
		assert.Regexp(t, `^[012] → [012]$`, im.Label)
	}
	assert.Nil(t, s.Boundary)
}
