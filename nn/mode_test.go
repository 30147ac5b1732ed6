package nn_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// doubling is a layer of the caller's own type with a mode that it keeps
// itself, ignoring the graph's: it doubles its input while training.
type doubling struct{ training bool }

func (d *doubling) SetTraining(training bool)     { d.training = training }
func (d *doubling) Parameters() []*autograd.Value { return nil }
func (d *doubling) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if d.training {
		return g.Scale(2, x)
	}
	return x
}

// modeRecorder records the mode of each forward pass's graph.
type modeRecorder struct{ modes []autograd.Mode }

func (r *modeRecorder) Parameters() []*autograd.Value { return nil }
func (r *modeRecorder) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	r.modes = append(r.modes, g.Mode())
	return x
}

// TestConcurrentInference: Predict, Probabilities and Evaluate called at once on one
// model, with dropout and with a layer of the caller's own that has a mode,
// evaluate every time (the answers of a serial call), race with nothing
// (run with -race), and leave the model in the mode it was in.
func TestConcurrentInference(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for name, net := range map[string]func() nn.Module{
			"dropout": func() nn.Module {
				return nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.5}, &nn.Linear{Out: 3})
			},
			"own mode": func() nn.Module {
				return nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU), &doubling{}, &nn.Linear{Out: 3})
			},
		} {
			t.Run(name, func(t *testing.T) {
				m, err := nn.NewModel(b, net(), 2, 1)
				require.NoError(t, err)
				defer m.Release()
				require.True(t, m.Training())
				x := []float32{0.5, -1, 1, 2, -0.25, 0.75, 3, -2, 0, 0, -1.5, 0.5}
				wantP, err := nn.Probabilities(m, x)
				require.NoError(t, err)
				wantC, err := nn.Predict(m, x)
				require.NoError(t, err)
				ds, err := nn.Upload(b, data.Set{Name: "x", X: x, Labels: []int{0, 1, 2, 0, 1, 2}, Features: 2, Classes: 3})
				require.NoError(t, err)
				defer ds.Release()
				wantL, wantA, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 4)
				require.NoError(t, err)
				var wg sync.WaitGroup
				errs := make(chan error, 64)
				for w := range 6 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range 4 {
							switch w % 3 {
							case 0:
								p, err := nn.Probabilities(m, x)
								if err == nil && !assert.Equal(t, wantP, p, "probabilities in evaluation mode") {
									return
								}
								errs <- err
							case 1:
								c, err := nn.Predict(m, x)
								if err == nil && !assert.Equal(t, wantC, c, "classes in evaluation mode") {
									return
								}
								errs <- err
							default:
								l, a, err := nn.Evaluate(m, nn.SoftmaxCrossEntropy, ds, 4)
								if err == nil && !assert.Equal(t, []float64{wantL, wantA}, []float64{l, a}, "evaluation") {
									return
								}
								errs <- err
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				assert.True(t, m.Training(), "inference leaves the model in training mode")
			})
		}
	})
}

// TestTrainerSwitchesModes: Fit's steps run in training mode and its
// validation in evaluation mode, whatever the model's own mode, which Fit
// leaves as it found it; Predict evaluates, deterministically.
func TestTrainerSwitchesModes(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	set, err := data.Spiral(60, 3, 1)
	require.NoError(t, err)
	rec := &modeRecorder{}
	own := &doubling{}
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.Tanh), &nn.Dropout{P: 0.2}, rec, own, &nn.Linear{Out: 3}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.01, 0)
	require.NoError(t, err)
	defer opt.Release()
	m.SetTraining(false)
	rec.modes = nil
	var owns []bool
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 2, BatchSize: 30, Train: set, Val: set,
		OnProgress: func(nn.Progress) { owns = append(owns, own.training) }}
	_, err = tr.Fit(context.Background())
	require.NoError(t, err)
	// 2 epochs of 6 steps, each followed by one validation batch.
	want := []autograd.Mode{}
	for range 2 {
		for range 6 {
			want = append(want, autograd.ModeTrain)
		}
		want = append(want, autograd.ModeEval)
	}
	assert.Equal(t, want, rec.modes)
	assert.Contains(t, owns, true, "a layer of the caller's own trains in training mode")
	assert.False(t, m.Training(), "Fit leaves the model in the mode it found")
	assert.False(t, own.training)
	p1, err := nn.Predict(m, set.X)
	require.NoError(t, err)
	p2, err := nn.Predict(m, set.X)
	require.NoError(t, err)
	assert.Equal(t, p1, p2)
}
