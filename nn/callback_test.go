package nn_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestMonitor: an epoch betters the monitor only with a strictly lower
// validation loss (NaN and +Inf never do), and the stale count runs from
// the best epoch.
func TestMonitor(t *testing.T) {
	m := nn.NewMonitor()
	for i, tc := range []struct {
		val    float64
		better bool
		best   float64
		epoch  int
		stale  int
	}{
		{math.Inf(1), false, math.Inf(1), 0, 1},
		{0.9, true, 0.9, 2, 0},
		{math.NaN(), false, 0.9, 2, 1},
		{0.9, false, 0.9, 2, 2},
		{0.5, true, 0.5, 5, 0},
		{0.7, false, 0.5, 5, 1},
	} {
		got := m.Observe(nn.EpochStats{Epoch: i + 1, ValLoss: tc.val})
		if got != tc.better || m.Best != tc.best || m.BestEpoch != tc.epoch || m.Stale != tc.stale {
			t.Errorf("%d: val %v: better %v, monitor %+v; want %v, {%v %d %d}", i, tc.val, got, *m, tc.better, tc.best, tc.epoch, tc.stale)
		}
	}
}

// TestMonitorFromMeta: a checkpoint's record continues; a missing or
// impossible one starts afresh.
func TestMonitorFromMeta(t *testing.T) {
	fresh := *nn.NewMonitor()
	for i, tc := range []struct {
		meta map[string]string
		want nn.Monitor
	}{
		{map[string]string{"best_val_loss": "0.25", "best_epoch": "3", "stale_epochs": "1"}, nn.Monitor{Best: 0.25, BestEpoch: 3, Stale: 1}},
		{map[string]string{"best_val_loss": "+Inf", "best_epoch": "0", "stale_epochs": "4"}, nn.Monitor{Best: math.Inf(1), Stale: 4}},
		{nil, fresh},
		{map[string]string{"best_val_loss": "-Inf", "best_epoch": "3", "stale_epochs": "1"}, fresh},
		{map[string]string{"best_val_loss": "NaN", "best_epoch": "3", "stale_epochs": "1"}, fresh},
		{map[string]string{"best_val_loss": "0.25", "best_epoch": "5", "stale_epochs": "1"}, fresh}, // past the 4 epochs
		{map[string]string{"best_val_loss": "0.25", "best_epoch": "3", "stale_epochs": "-1"}, fresh},
	} {
		if got := *nn.MonitorFromMeta(tc.meta, 4); got != tc.want {
			t.Errorf("%d: %v: got %+v, want %+v", i, tc.meta, got, tc.want)
		}
	}
}

// TestEarlyStopping: training stops once Patience epochs have not bettered
// the validation loss, after every callback has seen the epoch; the history
// ends there.
func TestEarlyStopping(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(40, 3, 1)
	train, val, _ := set.Split(0.25, 1)
	m, err := nn.MLP(2, []int{16}, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	// A rate this large makes the validation loss wander, not fall.
	opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 3, 0)
	require.NoError(t, err)
	defer opt.Release()
	early := &nn.EarlyStopping{Patience: 2}
	var seen []int
	after := callback(func(_ *nn.Trainer, s nn.EpochStats) error { seen = append(seen, s.Epoch); return nil })
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 200, BatchSize: 30, Train: train, Val: val,
		Callbacks: []nn.Callback{early, after}}
	h, err := tr.Fit(context.Background())
	require.NoError(t, err)
	require.NotZero(t, early.Stopped, "never stopped in 200 epochs")
	assert.Equal(t, early.Stopped, len(h.Epochs), "the history ends at the stop")
	assert.Equal(t, early.Stopped, seen[len(seen)-1], "the callback after it saw the last epoch")
	assert.Equal(t, 2, early.Monitor.Stale)
	assert.Equal(t, early.Stopped-2, early.Monitor.BestEpoch)
	for _, e := range h.Epochs[early.Monitor.BestEpoch:] {
		assert.GreaterOrEqual(t, e.ValLoss, early.Monitor.Best, "epoch %d", e.Epoch)
	}
}

// callback is a Callback of a function.
type callback func(*nn.Trainer, nn.EpochStats) error

func (f callback) OnEpochEnd(t *nn.Trainer, s nn.EpochStats) error { return f(t, s) }

// TestNeedValidation: BestOnly and EarlyStopping without a validation set
// are refused before training.
func TestNeedValidation(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1)
	m, _ := nn.MLP(2, nil, 3, nn.Identity).Build(b, 1)
	defer m.Release()
	opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	defer opt.Release()
	for i, cb := range []nn.Callback{
		&nn.ModelCheckpoint{Path: filepath.Join(t.TempDir(), "m.safetensors"), BestOnly: true},
		&nn.EarlyStopping{Patience: 1},
		&nn.ModelCheckpoint{},
	} {
		h, err := (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set, Callbacks: []nn.Callback{cb}}).Fit(context.Background())
		if err == nil || h != nil {
			t.Errorf("%d: %T: trained without a validation set or path", i, cb)
		}
	}
}

// TestModelCheckpoint: with BestOnly the file holds the best epoch, and the
// state to resume it; every epoch's save records the monitor.
func TestModelCheckpoint(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(40, 3, 1)
	train, val, _ := set.Split(0.25, 1)
	for i, bestOnly := range []bool{false, true} {
		m, _ := nn.MLP(2, []int{16}, 3, nn.ReLU).Build(b, 1)
		opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 3, 0)
		path := filepath.Join(t.TempDir(), "m.safetensors")
		ck := &nn.ModelCheckpoint{Path: path, BestOnly: bestOnly}
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 12, BatchSize: 30, Train: train, Val: val, Callbacks: []nn.Callback{ck}}
		h, err := tr.Fit(context.Background())
		require.NoError(t, err)
		info, err := nn.ReadInfo(path)
		require.NoError(t, err)
		want := 12
		if bestOnly {
			want = ck.Monitor.BestEpoch
			assert.Less(t, want, 12, "%d: the rate should make some epoch worse than the best", i)
		}
		assert.Equal(t, want, ck.Saved, "%d", i)
		assert.Equal(t, want, info.Epochs, "%d: the file's epoch", i)
		assert.True(t, info.HasOptimizer, "%d: the optimiser state is saved", i)
		assert.Equal(t, h.Epochs[want-1].GlobalStep, info.Steps, "%d", i)
		assert.Equal(t, *nn.MonitorFromMeta(info.Meta, info.Epochs), nn.Monitor{Best: ck.Monitor.Best, BestEpoch: ck.Monitor.BestEpoch, Stale: want - ck.Monitor.BestEpoch}, "%d", i)
		opt.Release()
		m.Release()
	}
}

// TestModelCheckpointKeepsGoodWork: a save of NaN weights fails with a
// *CheckpointError and leaves the file as it was; an interruption saves the
// model only when a step ran and no epoch was saved, and never after a
// divergence.
func TestModelCheckpointKeepsGoodWork(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1)
	m, _ := nn.MLP(2, nil, 3, nn.Identity).Build(b, 1)
	defer m.Release()
	opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	defer opt.Release()
	tr := &nn.Trainer{Model: m, Optimizer: opt, Train: set}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	good := []byte("the last good model")
	require.NoError(t, os.WriteFile(path, good, 0o644))
	unchanged := func(i int) {
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, string(good), string(got), "%d: the file was replaced", i)
	}

	trained := &nn.History{StepLoss: []float32{1}}
	diverged := errors.Join(context.Canceled, &nn.NonFiniteLossError{Step: 1, Epoch: 1})
	for i, tc := range []struct {
		saved int
		h     *nn.History
		err   error
	}{
		{0, trained, nil},                                   // finished: the epochs saved already
		{0, &nn.History{}, context.Canceled},                // no step: nothing to keep
		{0, nil, context.Canceled},                          // not begun
		{3, trained, context.Canceled},                      // epoch 3's file is kept
		{0, trained, diverged},                              // diverged as it was interrupted
		{0, trained, errors.New("nn: reading the loss: x")}, // failed
	} {
		ck := &nn.ModelCheckpoint{Path: path, SaveOnInterrupt: true, Saved: tc.saved}
		require.NoError(t, ck.OnTrainEnd(tr, tc.h, tc.err), "%d", i)
		assert.False(t, ck.SavedInterrupted, "%d", i)
		unchanged(i)
	}
	ck := &nn.ModelCheckpoint{Path: path, SaveOnInterrupt: true}
	require.NoError(t, ck.OnTrainEnd(tr, trained, context.Canceled))
	assert.True(t, ck.SavedInterrupted)
	info, err := nn.ReadInfo(path)
	require.NoError(t, err, "the interrupted model was saved")
	assert.False(t, info.HasOptimizer)

	require.NoError(t, os.WriteFile(path, good, 0o644))
	w := m.Parameters()[0]
	nan := make([]float32, w.Shape().Len())
	nan[0] = float32(math.NaN())
	require.NoError(t, b.Upload(w.Tensor(), nan))
	var ce *nn.CheckpointError
	var bad *nn.NonFiniteWeightsError
	err = ck.OnEpochEnd(tr, nn.EpochStats{Epoch: 4, ValLoss: 0.5})
	require.True(t, errors.As(err, &ce) && errors.As(err, &bad), "error %v", err)
	assert.Equal(t, 4, ce.Epoch)
	assert.Equal(t, "epoch 4: "+ce.Err.Error(), err.Error(), "the epoch, then Save's error")
	unchanged(-1)
	err = (&nn.ModelCheckpoint{Path: path, SaveOnInterrupt: true}).OnTrainEnd(tr, trained, context.Canceled)
	require.True(t, errors.As(err, &ce) && errors.As(err, &bad), "error %v", err)
	assert.Zero(t, ce.Epoch)
	unchanged(-2)
}

// TestInterruptKeepsCheckpoint: Fit interrupted in its first epoch saves
// the model as it is, and joins nothing to ctx's error.
func TestInterruptKeepsCheckpoint(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(40, 3, 1)
	m, _ := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
	defer m.Release()
	opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	defer opt.Release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	ck := &nn.ModelCheckpoint{Path: path, SaveOnInterrupt: true}
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 5, BatchSize: 10, Train: set, LogEvery: 1,
		OnProgress: func(p nn.Progress) {
			if p.Step == 3 {
				cancel()
			}
		},
		Callbacks: []nn.Callback{ck}}
	h, err := tr.Fit(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, context.Canceled.Error(), err.Error())
	assert.Len(t, h.StepLoss, 3)
	assert.True(t, ck.SavedInterrupted)
	assert.Zero(t, ck.Saved)
	_, err = nn.ReadInfo(path)
	assert.NoError(t, err)
}
