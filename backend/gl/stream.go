package gl

// The command stream. A backend call checks its arguments on the caller's
// goroutine, so that shape and argument errors are immediate and name the
// op, then appends a command to the open batch and returns without waiting.
// A batch goes to the GL thread, with one thread hop, when it holds
// batchLen commands or when a call needs an answer from the GL thread
// (Download, Sync, Counters, large uploads, Close); the GL thread runs its
// commands in order while callers fill the next batch.
//
// Errors of queued commands are sticky: the first one is kept, names its
// op, and is returned by the next Sync or Download and by every call after
// it; commands behind it are skipped, since their inputs are undefined.
//
// Buffer lifetime: every pool Get and Put happens on the callers' side, in
// the order the commands using the buffers are queued (the queue's lock
// orders them). A buffer released while queued commands still use it can
// only be handed to commands queued after those, which the GL thread runs
// after them, and the barrier tracking of glrt orders their accesses on the
// device. So Release never waits.

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
	"gltrain/backend/gl/internal/glthread"
)

const (
	// batchLen is how many commands a batch holds before it is sent.
	batchLen = 64
	// inlineUpload is the largest upload, in elements, copied into the
	// batch (a step's dropout mask, say), so that the caller does not wait;
	// larger ones go to the GL thread at once, straight from the caller's
	// slice (a data set's one-off upload). A batch is sent early rather
	// than hold more than arenaCap elements of copies, and at most a few
	// batches are in flight (glthread's backlog), so the copies hold a few
	// times 4 MiB at most.
	inlineUpload = 1 << 20
	arenaCap     = 1 << 20
)

// command is one queued backend call: run (or runData, with the copy of
// the host data it uploads) issues its GL work on the GL thread.
type command struct {
	op      string
	run     func() error
	runData func(data []float32) error
	data    []float32
}

// batch is a list of commands and the copies of the host data they upload.
type batch struct {
	cmds  []command
	arena []float32
}

// stream is the backend's queue; its lock orders commands and pool use.
type stream struct {
	mu     sync.Mutex
	open   *batch      // being filled
	spare  chan *batch // batches the GL thread has finished with
	closed bool        // guarded by mu
	// err is the first asynchronous error, set on the GL thread.
	err atomic.Pointer[error]
	// ops counts the commands queued since the backend opened.
	ops atomic.Uint64
}

func (s *stream) init() {
	s.open = &batch{}
	s.spare = make(chan *batch, 4)
}

// sticky returns the first asynchronous error, or nil.
func (s *stream) sticky() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// fail records err as the stream's error unless one is kept already.
func (s *stream) fail(err error) {
	s.err.CompareAndSwap(nil, &err)
}

// asyncError is the error of a queued command: it names the op, and is
// ErrDeviceLost when the context is gone, ErrOutOfMemory on
// GL_OUT_OF_MEMORY.
func asyncError(op string, err error) error {
	var e *glrt.ErrGL
	if errors.As(err, &e) && e.ContextLost() {
		return fmt.Errorf("gl: %s: %w: %w", op, backend.ErrDeviceLost, err)
	}
	if errors.As(err, &e) && e.OutOfMemory() {
		return fmt.Errorf("gl: %s: %w: %w", op, backend.ErrOutOfMemory, err)
	}
	return fmt.Errorf("gl: %s: %w", op, err)
}

// usable returns the error every call returns once the backend is closed or
// a queued command failed.
func (be *Backend) usable(op string) error {
	if be.closed.Load() {
		return fmt.Errorf("gl: %s: %w", op, backend.ErrClosed)
	}
	return be.s.sticky()
}

// enqueue appends a command that runs f on the GL thread. It returns the
// sticky error, or ErrClosed, instead of queuing once either is set.
func (be *Backend) enqueue(op string, f func() error) error {
	return be.push(op, command{op: op, run: f})
}

// enqueueData is enqueue for a command that needs a copy of src: f gets the
// copy, which lives in the batch until the batch has run.
func (be *Backend) enqueueData(op string, src []float32, f func(data []float32) error) error {
	return be.push(op, command{op: op, runData: f, data: src})
}

// push queues c; c.data, when set, is the caller's slice and is copied.
func (be *Backend) push(op string, c command) error {
	if err := be.usable(op); err != nil {
		return err
	}
	s := &be.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("gl: %s: %w", op, backend.ErrClosed)
	}
	b := s.open
	if c.data != nil && len(b.cmds) > 0 && len(b.arena)+len(c.data) > arenaCap {
		if err := be.sendLocked(op); err != nil {
			return err
		}
		b = s.open
	}
	if c.data != nil {
		off := len(b.arena)
		b.arena = append(b.arena, c.data...)
		c.data = b.arena[off : off+len(c.data) : off+len(c.data)]
	}
	b.cmds = append(b.cmds, c)
	s.ops.Add(1)
	if len(b.cmds) >= batchLen {
		return be.sendLocked(op)
	}
	return nil
}

// sendLocked hands the open batch to the GL thread and opens a new one; s.mu
// is held, so batches reach the thread in the order they were filled.
func (be *Backend) sendLocked(op string) error {
	s := &be.s
	b := s.open
	if len(b.cmds) == 0 {
		return nil
	}
	select {
	case s.open = <-s.spare:
	default:
		s.open = &batch{cmds: make([]command, 0, batchLen)}
	}
	if err := be.thread.Post(func() error { be.run(b); return nil }); err != nil {
		return fmt.Errorf("gl: %s: %w", op, backend.ErrClosed)
	}
	return nil
}

// flush sends the open batch, so that a call on the GL thread after it
// runs after every command queued so far.
func (be *Backend) flush(op string) error {
	be.s.mu.Lock()
	defer be.s.mu.Unlock()
	return be.sendLocked(op)
}

// call flushes the queue, runs f on the GL thread after every queued
// command, and waits for it: the calls that need an answer. f is skipped
// once an error is kept, which call then returns.
func (be *Backend) call(op string, f func() error) error {
	if err := be.usable(op); err != nil {
		return err
	}
	if err := be.flush(op); err != nil {
		return err
	}
	err := be.thread.Call(func() error {
		if err := be.s.sticky(); err != nil {
			return err
		}
		err := f()
		// f's GL errors are its own: read them now, or the next command
		// would report them as its own, sticky.
		if gerr := be.dev.Check("after the call"); err == nil {
			err = gerr
		}
		return err
	})
	if errors.Is(err, glthread.ErrStopped) {
		return fmt.Errorf("gl: %s: %w", op, backend.ErrClosed)
	}
	if err != nil && be.s.sticky() == nil {
		return asyncError(op, err)
	}
	return err
}

// run executes a batch on the GL thread. In release builds it reads
// glGetError once, after the batch; builds tagged gltraindebug check after
// every GL call and name the failing call and its op.
func (be *Backend) run(b *batch) {
	be.batches++
	failed := be.s.sticky() != nil
	for i := range b.cmds {
		c := &b.cmds[i]
		if !failed {
			var err error
			if c.runData != nil {
				err = c.runData(c.data)
			} else {
				err = c.run()
			}
			if err == nil {
				err = be.dev.TakePending()
			}
			if err != nil {
				be.s.fail(asyncError(c.op, err))
				failed = true
			}
		}
	}
	if !failed {
		if err := be.dev.Check("after the batch"); err != nil {
			be.s.fail(asyncError(batchOps(b.cmds), err))
		}
	}
	clear(b.cmds) // drop the closures and the tensors they hold
	b.cmds, b.arena = b.cmds[:0], b.arena[:0]
	select {
	case be.s.spare <- b:
	default:
	}
}

// batchOps names the ops of a batch whose GL error was found after it ran
// (in release builds, which check once per batch).
func batchOps(cmds []command) string {
	seen := map[string]bool{}
	var names []string
	for _, c := range cmds {
		if !seen[c.op] {
			seen[c.op] = true
			names = append(names, c.op)
		}
	}
	if len(cmds) == 1 {
		return cmds[0].op
	}
	return fmt.Sprintf("one of %d queued ops (%s; build with -tags gltraindebug to name the call)", len(cmds), strings.Join(names, ", "))
}

// ready compiles the named kernels on first use, waiting for the GL thread,
// so that a shader that does not compile is an immediate error of the call
// that needs it (naming the op, the file and the driver's log), not a
// sticky one: the backend keeps working for every other kernel.
func (be *Backend) ready(op string, names ...string) error {
	for _, name := range names {
		if _, ok := be.compiled.Load(name); ok {
			continue
		}
		if err := be.call(op, func() error { _, err := be.dev.Program(name); return err }); err != nil {
			return err
		}
		be.compiled.Store(name, true)
	}
	return nil
}
