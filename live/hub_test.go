package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blocked is how long a Gate must stay in to count as held: long enough
// for a goroutine to reach it on a loaded machine, short for the test.
const blocked = 50 * time.Millisecond

// gate runs h.Gate in a goroutine and returns its answer's channel.
func gate(ctx context.Context, h *Hub) <-chan error {
	done := make(chan error, 1)
	go func() { done <- h.Gate(ctx) }()
	return done
}

func returned(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Gate still waiting after 5 s")
		return nil
	}
}

func waiting(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("Gate returned %v; want it held", err)
	case <-time.After(blocked):
	}
}

func TestGateControls(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		do   func(t *testing.T, h *Hub)
	}{
		{"free", func(t *testing.T, h *Hub) {
			for range 3 {
				assert.NoError(t, h.Gate(ctx))
			}
		}},
		{"pause holds, resume releases", func(t *testing.T, h *Hub) {
			h.Pause()
			assert.True(t, h.Snapshot().Paused)
			done := gate(ctx, h)
			waiting(t, done)
			h.Resume()
			assert.NoError(t, returned(t, done))
			assert.False(t, h.Snapshot().Paused)
		}},
		{"step lets exactly one through", func(t *testing.T, h *Hub) {
			h.Step() // from running: pauses after one step
			assert.NoError(t, returned(t, gate(ctx, h)))
			done := gate(ctx, h)
			waiting(t, done)
			h.Step()
			assert.NoError(t, returned(t, done))
			waiting(t, gate(ctx, h))
			assert.True(t, h.Snapshot().Paused)
		}},
		{"stop wakes a paused gate and stays", func(t *testing.T, h *Hub) {
			h.Pause()
			done := gate(ctx, h)
			waiting(t, done)
			h.Stop()
			assert.ErrorIs(t, returned(t, done), ErrStop)
			assert.ErrorIs(t, h.Gate(ctx), ErrStop)
		}},
		{"restart once, with its seed, resuming", func(t *testing.T, h *Hub) {
			h.Pause()
			done := gate(ctx, h)
			waiting(t, done)
			h.Restart(42)
			assert.ErrorIs(t, returned(t, done), ErrRestart)
			assert.Equal(t, int64(42), h.RestartSeed())
			assert.NoError(t, h.Gate(ctx), "a restart is answered once")
		}},
		{"context ends a paused gate", func(t *testing.T, h *Hub) {
			h.Pause()
			c, cancel := context.WithCancel(ctx)
			done := gate(c, h)
			waiting(t, done)
			cancel()
			assert.ErrorIs(t, returned(t, done), context.Canceled)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.do(t, NewHub()) })
	}
}

// TestStepsPerFrame checks the speed limit's mechanism: n steps a 1/60 s
// frame make 10n+1 steps span at least 10 frames (a lower bound only: a
// loaded machine is slower, never faster).
func TestStepsPerFrame(t *testing.T) {
	h := NewHub()
	h.SetStepsPerFrame(3)
	assert.Equal(t, 3, h.StepsPerFrame())
	began := time.Now()
	for range 31 {
		require.NoError(t, h.Gate(context.Background()))
	}
	assert.GreaterOrEqual(t, time.Since(began), 10*frame-time.Millisecond)
	h.SetStepsPerFrame(0)
	began = time.Now()
	for range 1000 {
		require.NoError(t, h.Gate(context.Background()))
	}
	assert.Less(t, time.Since(began), 10*frame, "without a limit 1000 gates take microseconds")
}

func TestSubscribeCoalesces(t *testing.T) {
	h := NewHub()
	ch, unsubscribe := h.Subscribe()
	<-ch // the current state, at once
	for e := 1; e <= 100; e++ {
		h.Update(func(s *Snapshot) { s.Epoch = e }) // never blocks on the unread channel
	}
	<-ch
	assert.Equal(t, 100, h.Snapshot().Epoch, "a slow viewer sees the newest state")
	select {
	case <-ch:
		t.Fatal("100 updates told the viewer more than once")
	default:
	}
	assert.Equal(t, 1, h.Subscribers())
	unsubscribe()
	assert.Equal(t, 0, h.Subscribers())
	h.Update(func(s *Snapshot) { s.Epoch = 101 })
	select {
	case <-ch:
		t.Fatal("told after unsubscribing")
	default:
	}
	h.Pause() // a control is a change too
	ch2, _ := h.Subscribe()
	<-ch2
	assert.True(t, h.Snapshot().Paused)
}

func TestSnapshotIsACopy(t *testing.T) {
	h := NewHub()
	h.Update(func(s *Snapshot) {
		s.Curves = []Point{{Epoch: 1, TrainLoss: 1}}
		s.Confusion = [][]int{{1, 2}, {3, 4}}
		s.Classes = []string{"a", "b"}
	})
	s := h.Snapshot()
	s.Curves[0].TrainLoss = 9
	s.Confusion[1][1] = 9
	s.Classes[0] = "z"
	again := h.Snapshot()
	assert.Equal(t, 1.0, again.Curves[0].TrainLoss)
	assert.Equal(t, 4, again.Confusion[1][1])
	assert.Equal(t, "a", again.Classes[0])
}

// TestConcurrent is for go test -race: a trainer updating and gating while
// viewers read and send controls.
func TestConcurrent(t *testing.T) {
	h := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	trainer := make(chan error, 1)
	go func() {
		for step := int64(1); ; step++ {
			if err := h.Gate(ctx); err != nil {
				if errors.Is(err, ErrRestart) {
					continue
				}
				trainer <- err
				return
			}
			h.Update(func(s *Snapshot) {
				s.Step = step
				s.Curves = append(s.Curves, Point{Step: step})
			})
		}
	}()
	for v := range 3 {
		go func() {
			ch, unsubscribe := h.Subscribe()
			defer unsubscribe()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ch:
					_ = h.Snapshot().Curves
				}
			}
		}()
		h.Pause()
		h.Step()
		h.Restart(int64(v))
		h.SetStepsPerFrame(v)
		h.Resume()
	}
	h.SetStepsPerFrame(0)
	time.Sleep(blocked)
	h.Stop()
	assert.ErrorIs(t, <-trainer, ErrStop)
	cancel()
	assert.Positive(t, h.Snapshot().Step)
}

func TestPointJSON(t *testing.T) {
	b, err := json.Marshal(Point{Epoch: 2, Step: 30, TrainLoss: 0.5, ValLoss: math.NaN(), TrainAcc: math.Inf(1), ValAcc: 0.75})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Epoch":2,"Step":30,"TrainLoss":0.5,"ValLoss":null,"TrainAcc":null,"ValAcc":0.75}`, string(b))
}

// A trainer publishes and gates; a viewer pauses it.
func Example() {
	h := NewHub()
	ctx := context.Background()
	h.Update(func(s *Snapshot) { s.Epoch, s.Epochs = 1, 10 })
	fmt.Println(h.Gate(ctx)) // running: at once
	h.Stop()
	fmt.Println(h.Gate(ctx))
	fmt.Println(h.Snapshot().Epoch)
	// Output:
	// <nil>
	// live: stopped from the viewer
	// 1
}
