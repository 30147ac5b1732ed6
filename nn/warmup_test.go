package nn_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestWarmup: the rate ramps as (step+1)/Steps times the epoch schedule's,
// whatever that schedule is, and is the schedule's own from step Steps−1.
func TestWarmup(t *testing.T) {
	step := nn.StepLR{Base: 0.1, StepSize: 1, Gamma: 0.5}
	for i, tc := range []struct {
		w           nn.Warmup
		epoch, step int
		want        float32
	}{
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 4}, 0, 0, 0.025},
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 4}, 0, 1, 0.05},
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 4}, 0, 3, 0.1},
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 4}, 5, 100, 0.1},
		{nn.Warmup{Schedule: step, Steps: 4}, 1, 2, 0.05 * 3 / 4}, // still warming up in epoch 1
		{nn.Warmup{Schedule: step, Steps: 4}, 2, 9, 0.025},
		{nn.Warmup{Schedule: nn.CosineLR{Base: 0.1, Epochs: 2}, Steps: 10}, 1, 4, 0.05 * 5 / 10},
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 0}, 0, 0, 0.1}, // no warm-up
		{nn.Warmup{Schedule: nn.ConstantLR{Base: 0.1}, Steps: 1}, 0, 0, 0.1},
	} {
		assert.InDelta(t, tc.want, tc.w.LRAt(tc.epoch, tc.step), 1e-8, "%d %+v", i, tc)
		assert.Equal(t, tc.w.Schedule.LR(tc.epoch), tc.w.LR(tc.epoch), "%d", i)
	}
}

// lrRecorder records the rate of each step.
type lrRecorder struct {
	nn.Optimizer
	lrs []float32
}

func (o *lrRecorder) Step() error {
	o.lrs = append(o.lrs, o.LR())
	return o.Optimizer.Step()
}

// TestTrainerWarmsUp: Fit sets the warm-up's rate before every step, over
// epoch boundaries, and a run started at StartStep (as -resume does)
// continues the ramp where it stopped.
func TestTrainerWarmsUp(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(10, 3, 1) // 30 rows: 3 steps of 10 an epoch
	m, err := nn.MLP(2, []int{4}, 3, nn.ReLU).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	sgd, err := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
	require.NoError(t, err)
	defer sgd.Release()
	w := nn.Warmup{Schedule: nn.StepLR{Base: 0.4, StepSize: 1, Gamma: 0.5}, Steps: 5}
	want := []float32{0.08, 0.16, 0.24, 0.2 * 4 / 5, 0.2, 0.2, 0.1, 0.1, 0.1}
	for _, start := range []int{0, 1} {
		o := &lrRecorder{Optimizer: sgd}
		tr := nn.Trainer{Model: m, Optimizer: o, Schedule: w, Epochs: 3, BatchSize: 10, Train: set,
			StartEpoch: start, StartStep: 3 * start}
		_, err := tr.Fit(context.Background())
		require.NoError(t, err)
		require.Len(t, o.lrs, len(want)-3*start)
		for i, got := range o.lrs {
			assert.InDelta(t, want[i+3*start], got, 1e-7, "start %d, step %d", start, i+3*start)
		}
	}
}
