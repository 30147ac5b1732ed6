package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrStop is Gate's answer after Stop: end training as an interrupt does
// (the checkpoint is kept).
var ErrStop = errors.New("live: stopped from the viewer")

// ErrRestart is Gate's answer after Restart: re-initialise the model with
// RestartSeed and train again from epoch 1.
var ErrRestart = errors.New("live: restart from the viewer")

// frame is the time StepsPerFrame counts steps in: a 60 Hz display's.
const frame = time.Second / 60

// Hub is a run's state and its viewers' controls. It is safe for
// concurrent use: one trainer, any number of viewers.
type Hub struct {
	// held is set while Gate has something to do (paused, a step budget,
	// a stop or restart pending, a speed limit): unset, Gate is one load.
	held atomic.Bool

	mu      sync.Mutex
	snap    Snapshot
	subs    map[chan struct{}]struct{}
	paused  bool
	steps   int // steps Gate lets through while paused (Step)
	stop    bool
	restart bool
	seed    int64
	spf     int           // steps per frame; 0: as fast as it goes
	wake    chan struct{} // closed and replaced at each control
	// The current frame of the speed limit.
	frameStart time.Time
	frameSteps int
}

// NewHub returns a hub with an empty snapshot, not paused.
func NewHub() *Hub {
	return &Hub{subs: map[chan struct{}]struct{}{}, wake: make(chan struct{})}
}

// Update changes the snapshot under the hub's lock (f must not keep the
// pointer, nor call the hub) and tells the subscribers. It never blocks on
// a viewer: a subscriber that has not yet read the last change is told
// once, and then reads the newest state.
func (h *Hub) Update(f func(*Snapshot)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.snap)
	h.changedLocked()
}

// Snapshot is a copy of the current state (Paused is the hub's own).
func (h *Hub) Snapshot() Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.snap.clone()
	s.Paused = h.paused
	return s
}

// Subscribe returns a channel that receives a value after each change (and
// one at once, for the current state), coalesced: it holds at most one.
// Read Snapshot when it does. The func unsubscribes.
func (h *Hub) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// Subscribers is the number of subscribed viewers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// changedLocked tells the subscribers, without waiting for any.
func (h *Hub) changedLocked() {
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default: // told already, not yet read
		}
	}
}

// control changes the controls under the lock, wakes a waiting Gate and
// tells the subscribers.
func (h *Hub) control(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f()
	h.held.Store(h.paused || h.stop || h.restart || h.spf > 0)
	close(h.wake)
	h.wake = make(chan struct{})
	h.changedLocked()
}

// Pause holds the trainer at its next Gate.
func (h *Hub) Pause() { h.control(func() { h.paused, h.steps = true, 0 }) }

// Resume lets the trainer go on.
func (h *Hub) Resume() { h.control(func() { h.paused, h.steps = false, 0 }) }

// Step lets one more optimiser step run, then holds the trainer (pausing
// it if it was running).
func (h *Hub) Step() { h.control(func() { h.paused, h.steps = true, h.steps+1 }) }

// Restart asks the trainer to re-initialise the model with seed and train
// again from epoch 1; it also resumes a paused run.
func (h *Hub) Restart(seed int64) {
	h.control(func() { h.restart, h.seed, h.paused, h.steps = true, seed, false, 0 })
}

// RestartSeed is the seed of the last Restart.
func (h *Hub) RestartSeed() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seed
}

// Stop ends training as Ctrl-C does: Gate returns ErrStop from now on.
func (h *Hub) Stop() { h.control(func() { h.stop = true }) }

// SetStepsPerFrame limits training to n optimiser steps per 1/60 s, so
// that a viewer can watch it slowly; n ≤ 0 removes the limit (the default).
func (h *Hub) SetStepsPerFrame(n int) {
	h.control(func() { h.spf, h.frameStart, h.frameSteps = max(n, 0), time.Time{}, 0 })
}

// StepsPerFrame is the speed limit, 0 for none.
func (h *Hub) StepsPerFrame() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spf
}

// Gate is the trainer's call before every optimiser step. It returns nil at
// once unless a control holds it: it waits while paused (letting Step's
// steps through one a call), sleeps as the speed limit asks, and returns
// ErrStop after Stop, ErrRestart once after each Restart, and ctx's error
// if ctx ends while it waits.
func (h *Hub) Gate(ctx context.Context) error {
	if !h.held.Load() {
		return nil
	}
	for {
		h.mu.Lock()
		switch {
		case h.stop:
			h.mu.Unlock()
			return ErrStop
		case h.restart:
			h.restart = false
			h.held.Store(h.paused || h.spf > 0)
			h.mu.Unlock()
			return ErrRestart
		case !h.paused || h.steps > 0:
			if h.paused {
				h.steps--
			}
			wait := h.throttleLocked(time.Now())
			h.mu.Unlock()
			return sleep(ctx, wait)
		}
		wake := h.wake
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// throttleLocked counts a step against the speed limit and returns how long
// it must wait first.
func (h *Hub) throttleLocked(now time.Time) time.Duration {
	if h.spf <= 0 {
		return 0
	}
	if now.Sub(h.frameStart) >= frame {
		h.frameStart, h.frameSteps = now, 0
	}
	h.frameSteps++
	if h.frameSteps <= h.spf {
		return 0
	}
	h.frameStart, h.frameSteps = h.frameStart.Add(frame), 1
	return h.frameStart.Sub(now)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
