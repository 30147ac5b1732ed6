package gl

import (
	"sync/atomic"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// Tensor is a matrix in a GPU shader storage buffer, owned by one backend:
// the whole of a pooled buffer, or a view of a packed one (Pack).
type Tensor struct {
	shape    backend.Shape
	buf      glrt.Buffer
	capacity int // the buffer's size class, in elements; 0 for a view
	off      int // a view's first element in buf
	view     bool
	views    []*Tensor // a packed tensor's views
	owner    *Backend
	released atomic.Bool
	handles  backend.Handles // the handles sharing buf through View (view.go)
}

// Shape is the tensor's size.
func (t *Tensor) Shape() backend.Shape { return t.shape }

// arg binds t for a kernel with the access of mode (glrt.In, Out, InOut);
// a view is bound as its range of the buffer.
func (t *Tensor) arg(mode func(glrt.Buffer) glrt.Arg) glrt.Arg {
	a := mode(t.buf)
	if t.view {
		a = a.Range(t.off, t.shape.Len())
	}
	return a
}

func (t *Tensor) in() glrt.Arg    { return t.arg(glrt.In) }
func (t *Tensor) out() glrt.Arg   { return t.arg(glrt.Out) }
func (t *Tensor) inOut() glrt.Arg { return t.arg(glrt.InOut) }

// New returns an uninitialised tensor of shape s, reusing a pooled buffer
// when one of its size class is free. It does not wait for the GL thread: a
// new buffer is made on the device by the first command that uses it.
func (b *Backend) New(s backend.Shape) (backend.Tensor, error) {
	buf, capacity, err := b.pool.New(s, b.usable) // the pool's alloc never fails: buffers are lazy
	if err != nil {
		return nil, err
	}
	return &Tensor{shape: s, buf: buf, capacity: capacity, owner: b}, nil
}

// Upload copies src into dst. A small src is copied into the queue and the
// call returns at once; a large one is written by the GL thread before
// Upload returns, so src is the caller's again either way.
func (b *Backend) Upload(dst backend.Tensor, src []float32) error {
	if err := backend.Check(b).Upload(dst, src); err != nil {
		return err
	}
	d := dst.(*Tensor)
	if len(src) > inlineUpload {
		return b.call("upload", func() error { return b.dev.Upload(d.buf, d.off, src) })
	}
	return b.enqueueData("upload", src, func(data []float32) error { return b.dev.Upload(d.buf, d.off, data) })
}

// Download copies src into dst once the commands queued before it have run:
// it waits for the GL thread and the device, and returns the first error of
// any queued command.
func (b *Backend) Download(dst []float32, src backend.Tensor) error {
	if err := backend.Check(b).Download(dst, src); err != nil {
		return err
	}
	s := src.(*Tensor)
	return b.call("download", func() error { return b.dev.Download(dst, s.buf, s.off) })
}

// Release returns t's buffer to the pool at once, even while queued
// commands still use it: only commands queued later can get it again (see
// stream.go). Releasing a view does nothing; its packed tensor owns the
// buffer.
func (b *Backend) Release(t backend.Tensor) error {
	if live, err := backend.Check(b).Release(t); !live {
		return err
	}
	gt := t.(*Tensor)
	if gt.view || gt.released.Swap(true) {
		return nil
	}
	for _, v := range gt.views {
		v.released.Store(true)
	}
	if !gt.handles.Last() {
		return nil // a View still holds the buffer
	}
	b.pool.Put(gt.buf, gt.capacity)
	return nil
}

// Own reports whether t is a live tensor of b for the entry checks
// (backend.Check), on the caller's goroutine: nil if it is, else an error
// naming op that wraps backend.ErrForeign or ErrReleased. (A closed
// backend is reported when the call queues its command.)
func (b *Backend) Own(op string, t backend.Tensor) error {
	gt, mine := t.(*Tensor)
	mine = mine && gt != nil && gt.owner == b
	return backend.OwnError("gl", op, mine, mine && gt.released.Load())
}

// scratch is a pooled buffer lent to the commands of one call (row losses,
// partial sums). Get it before queuing them and put it back right after, on
// the caller's side like every pool use: later commands that get it run
// after those (stream.go). Its pool capacity is its size, buf.Elems(): a
// scratch is one interface word pair, so that the plans holding several
// stay small enough for the closures of queued commands to copy rather
// than move to the heap.
type scratch struct {
	buf glrt.Buffer
}

func (b *Backend) getScratch(n int) (scratch, error) {
	buf, _, err := b.pool.Get(n)
	return scratch{buf}, err
}

func (b *Backend) putScratch(s scratch) {
	if s.buf != nil {
		b.pool.Put(s.buf, s.buf.Elems())
	}
}

// program returns the compiled kernel name.
func (b *Backend) program(name string) (*glrt.Program, error) {
	return b.dev.Program(name)
}

// groups is the 1-D dispatch for n elements (glrt.Groups).
func groups(n int) int { return glrt.Groups(n) }
