package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/live"
	"gltrain/nn"
)

// TestLivePace runs the pace on a simulated clock: steps of a fixed time,
// epochs of a number of steps, the loss read every logEvery steps, each
// paced work taking its cost. It checks, for training runs shaped as the
// spiral's, MNIST's and a large model's on a slow device:
//
//   - the share: the live work's time is at most liveShare of the run's,
//     to the bound the rule gives exactly (each work is followed by 15
//     times its cost, so spent ≤ (T + 15·c_last)·liveShare);
//   - the boundary's cadence: between two boundaries at least frameGap and
//     at most the sooner of 100 ms and an epoch's time, plus a step, unless
//     the share rules (then at least 16 times its cost);
//   - the confusion matrix at most once an epoch, and every 100 ms;
//   - on a device with a command queue, paced work only right after a
//     loss read, or once it has waited drainWait.
func TestLivePace(t *testing.T) {
	const ms = time.Millisecond
	us := time.Microsecond
	for _, tc := range []struct {
		name                   string
		step                   time.Duration
		stepsPerEpoch, logEach int
		queued                 bool                  // a device with a command queue (GL)
		cost                   [nWorks]time.Duration // 0: the publisher has no such work
		run                    time.Duration
		// the boundary's gaps, first excluded
		minGap, maxGap time.Duration
	}{
		{name: "spiral", step: 10 * us, stepsPerEpoch: 15, logEach: 1, cost: [nWorks]time.Duration{2 * ms, 50 * us}, run: 5 * time.Second,
			minGap: 32 * ms, maxGap: 34 * ms}, // the share rules: 16 × 2 ms (and the confusion matrix's 16 × 50 µs)
		{name: "spiral, cheap map", step: 10 * us, stepsPerEpoch: 15, logEach: 1, cost: [nWorks]time.Duration{100 * us, 5 * us}, run: time.Second,
			minGap: frameGap, maxGap: frameGap + 200*us}, // an epoch is 150 µs: the frame rules
		{name: "slow epochs", step: time.Millisecond, stepsPerEpoch: 10000, logEach: 50, cost: [nWorks]time.Duration{2 * ms}, run: 30 * time.Second,
			minGap: frameGap, maxGap: 101 * ms}, // 100 ms, and sooner at an epoch's end
		{name: "epochs of 40 ms, queued", step: time.Millisecond, stepsPerEpoch: 40, logEach: 4, queued: true, cost: [nWorks]time.Duration{ms}, run: 10 * time.Second,
			minGap: frameGap, maxGap: 41 * ms}, // 16 × 1 ms is under a frame
		{name: "slow device", step: 5 * ms, stepsPerEpoch: 1000, logEach: 50, queued: true, cost: [nWorks]time.Duration{40 * ms}, run: 60 * time.Second,
			minGap: 640 * ms, maxGap: 940 * ms}, // 16 × 40 ms; up to drainWait for a loss read
		{name: "mnist", step: 2 * ms, stepsPerEpoch: 430, logEach: 43, cost: [nWorks]time.Duration{0, 100 * ms, 0}, run: 60 * time.Second},
		{name: "images", step: 2 * ms, stepsPerEpoch: 430, logEach: 43, cost: [nWorks]time.Duration{0, 100 * ms, 100 * us}, run: 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pace{queued: tc.queued, drained: true}
			has := func(w work) bool { return tc.cost[w] > 0 }
			start := time.Unix(1e9, 0)
			now, steps, maxCost := start, 0, time.Duration(0)
			var maps []time.Time
			for now.Sub(start) < tc.run {
				drained, held := p.drained, p.heldSince
				w, ok := p.next(now, has)
				if ok {
					if w == workBoundary {
						maps = append(maps, now)
					}
					require.True(t, !tc.queued || drained || !held.IsZero() && now.Sub(held) >= drainWait, "work %d at step %d: not after a loss read", w, steps)
					end := now.Add(tc.cost[w])
					p.done(w, now, end)
					now, maxCost = end, tc.cost[w]
				}
				now = now.Add(tc.step)
				steps++
				if steps%tc.logEach == 0 {
					p.drained = true
				}
				if steps%tc.stepsPerEpoch == 0 {
					p.epochs++
					p.drained = true
				}
			}
			total := now.Sub(start)
			bound := time.Duration(liveShare * float64(total+15*maxCost))
			assert.LessOrEqual(t, p.spent, bound, "the live work's time, of %v", total)
			assert.LessOrEqual(t, p.runs[workValidation], p.epochs, "the confusion matrix at most once an epoch")
			assert.LessOrEqual(t, p.runs[workValidation], int(total/boundaryEvery)+1, "the confusion matrix at most every 100 ms")
			if tc.cost[workBoundary] == 0 {
				assert.Zero(t, p.runs[workBoundary])
				return
			}
			require.Greater(t, len(maps), 10)
			for i := 2; i < len(maps); i++ {
				gap := maps[i].Sub(maps[i-1])
				require.True(t, gap >= tc.minGap && gap <= tc.maxGap, "gap %d: %v, want %v to %v", i, gap, tc.minGap, tc.maxGap)
			}
		})
	}
}

// TestLiveNoStepAllocations: between steps, with nothing due, the
// publisher allocates nothing: neither its BeforeStep nor its OnProgress,
// with the step counter published or not.
func TestLiveNoStepAllocations(t *testing.T) {
	hub := live.NewHub()
	_, unsubscribe := hub.Subscribe()
	defer unsubscribe()
	p := &publisher{hub: hub, cancel: func() {}}
	ctx := context.Background()
	require.NoError(t, p.beforeStep(ctx, 1, 0))
	step := 0
	for _, counter := range []bool{false, true} {
		allocs := testing.AllocsPerRun(200, func() {
			step++
			if counter {
				p.stepDue = time.Time{}
			}
			if err := p.beforeStep(ctx, 1, step); err != nil {
				t.Fatal(err)
			}
			if counter {
				p.stepDue = time.Time{}
			}
			p.progress(progressAt(1, step))
		})
		assert.Zero(t, allocs, "with the counter published: %v", counter)
	}
	assert.Equal(t, int64(step), hub.Snapshot().Step)
}

func progressAt(epoch, step int) nn.Progress { return nn.Progress{Epoch: epoch, GlobalStep: step} }
