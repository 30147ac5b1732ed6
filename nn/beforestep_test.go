package nn_test

import (
	"context"
	"errors"
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestBeforeStep: the hook sees every step with its epoch and the steps
// done before it (continuing from StartStep); cancelling ctx in it stops
// before that step runs, and an error it returns ends Fit with it.
func TestBeforeStep(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, _ := data.Spiral(100, 3, 1) // 300 rows: 10 steps an epoch of 30
	stop := errors.New("stop here")
	for _, tc := range []struct {
		name      string
		at        int   // the step (done so far) at which the hook acts
		err       error // what the hook returns there (nil: it cancels ctx)
		wantSteps int   // steps run
	}{
		{"cancel", 25, nil, 5},
		{"error", 27, stop, 7},
		{"never", -1, nil, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 3)
			defer m.Release()
			opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
			defer opt.Release()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen [][2]int
			tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 5, BatchSize: 30, Train: set, StartEpoch: 2, StartStep: 20,
				BeforeStep: func(epoch, step int) error {
					seen = append(seen, [2]int{epoch, step})
					if step == tc.at {
						if tc.err != nil {
							return tc.err
						}
						cancel()
					}
					return nil
				}}
			h, err := tr.Fit(ctx)
			switch {
			case tc.at < 0 && err != nil:
				t.Fatalf("error %v", err)
			case tc.at >= 0 && tc.err == nil && !errors.Is(err, context.Canceled):
				t.Fatalf("error %v, want context.Canceled", err)
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if len(h.StepLoss) != tc.wantSteps {
				t.Errorf("%d steps ran, want %d", len(h.StepLoss), tc.wantSteps)
			}
			for i, s := range seen {
				if want := [2]int{3 + i/10, 20 + i}; s != want {
					t.Fatalf("call %d: (epoch, step) %v, want %v", i, s, want)
				}
			}
		})
	}
}
