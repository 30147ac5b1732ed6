// Package glthread runs functions on one goroutine locked to one OS thread:
// the thread that owns a GL context, since a context is current on exactly
// one thread and GL calls from any other thread go nowhere.
//
// Deadlock rule: never call Call from inside a function running on the
// thread; it would wait for itself. Functions that run on the thread call
// each other directly.
package glthread

import (
	"errors"
	"runtime"
)

// ErrStopped reports a call to a thread that has stopped.
var ErrStopped = errors.New("gl thread stopped")

// Thread is a goroutine locked to its OS thread, serving calls in order.
// Call and Post are safe for concurrent use: calls run one at a time, in the
// order they were sent.
type Thread struct {
	calls chan call
	done  chan struct{}
}

type call struct {
	f     func() error
	reply chan error // nil for Post
	last  bool       // end the thread after f
}

// backlog is how many posted calls may wait for the thread before Post
// blocks: enough to keep the thread busy while the caller prepares the next
// one, few enough to bound the memory that queued work holds.
const backlog = 2

// Start locks a new goroutine to its OS thread, runs init there and, when init
// succeeds, serves calls until Stop. It returns init's error, after which the
// thread has ended.
func Start(init func() error) (*Thread, error) {
	t := &Thread{calls: make(chan call, backlog), done: make(chan struct{})}
	started := make(chan error)
	go t.loop(init, started)
	if err := <-started; err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Thread) loop(init func() error, started chan<- error) {
	// The goroutine keeps the lock until it returns, so the OS thread —
	// with whatever context is current on it — ends with it.
	runtime.LockOSThread()
	defer close(t.done)
	if err := init(); err != nil {
		started <- err
		return
	}
	started <- nil
	for c := range t.calls {
		err := c.f()
		if c.reply != nil {
			c.reply <- err
		}
		if c.last {
			return
		}
	}
}

// replies recycles reply channels, so that a call allocates nothing for them.
var replies = make(chan chan error, 64)

func getReply() chan error {
	select {
	case r := <-replies:
		return r
	default:
		return make(chan error, 1)
	}
}

func putReply(r chan error) {
	select {
	case replies <- r:
	default:
	}
}

// Call runs f on the thread and returns its error. It must not be called from
// a function already running on the thread.
func (t *Thread) Call(f func() error) error { return t.send(call{f: f}) }

// Post queues f to run on the thread and returns without waiting for it: it
// blocks only while the thread already has a backlog of posted calls. f's
// error is dropped, so f must keep what it needs to report. Calls run in the
// order they were sent, so a Call after a Post runs after the posted f. It
// returns ErrStopped when the thread has ended; a Post racing with Stop may
// be dropped silently, so callers stop posting before they Stop.
func (t *Thread) Post(f func() error) error {
	select {
	case <-t.done:
		return ErrStopped
	default:
	}
	select {
	case t.calls <- call{f: f}:
		return nil
	case <-t.done:
		return ErrStopped
	}
}

func (t *Thread) send(c call) error {
	select {
	case <-t.done:
		return ErrStopped
	default:
	}
	r := getReply()
	c.reply = r
	select {
	case t.calls <- c:
	case <-t.done:
		return ErrStopped
	}
	select {
	case err := <-r:
		putReply(r)
		return err
	case <-t.done:
		// The thread ended: either after running c (its reply is ready)
		// or before reaching it (c sits in the backlog and never runs).
		select {
		case err := <-r:
			return err
		default:
			return ErrStopped
		}
	}
}

// Stop runs cleanup on the thread, then ends it; later calls return
// ErrStopped. Calling Stop twice is an error from the second call.
func (t *Thread) Stop(cleanup func() error) error {
	err := t.send(call{f: cleanup, last: true})
	<-t.done
	return err
}
