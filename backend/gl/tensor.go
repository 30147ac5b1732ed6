package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// Tensor is a matrix in a GPU shader storage buffer, owned by one backend.
type Tensor struct {
	shape    backend.Shape
	buf      *glrt.Buffer
	capacity int // the buffer's size class, in elements
	owner    *Backend
	released bool // touched only on the GL thread
}

// Shape is the tensor's size.
func (t *Tensor) Shape() backend.Shape { return t.shape }

// New returns an uninitialised tensor of shape s, reusing a pooled buffer
// when one of its size class is free.
func (b *Backend) New(s backend.Shape) (backend.Tensor, error) {
	if err := backend.CheckNew(s); err != nil {
		return nil, err
	}
	var t *Tensor
	err := b.do("new", func() error {
		buf, capacity, err := b.pool.Get(s.Len())
		if err != nil {
			return deviceError(err)
		}
		t = &Tensor{shape: s, buf: buf, capacity: capacity, owner: b}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Upload copies src into dst.
func (b *Backend) Upload(dst backend.Tensor, src []float32) error {
	return b.do("upload", func() error {
		d, err := b.tensor("upload", dst)
		if err != nil {
			return err
		}
		if err := backend.CheckData("upload", d.shape, len(src)); err != nil {
			return err
		}
		return deviceError(b.dev.Upload(d.buf, 0, src))
	})
}

// Download copies src into dst, waiting for the kernels that write it.
func (b *Backend) Download(dst []float32, src backend.Tensor) error {
	return b.do("download", func() error {
		s, err := b.tensor("download", src)
		if err != nil {
			return err
		}
		if err := backend.CheckData("download", s.shape, len(dst)); err != nil {
			return err
		}
		return deviceError(b.dev.Download(dst, s.buf, 0))
	})
}

// Release returns t's buffer to the pool.
func (b *Backend) Release(t backend.Tensor) error {
	if t == nil {
		return nil
	}
	gt, ok := t.(*Tensor)
	if !ok || gt == nil || gt.owner != b {
		return fmt.Errorf("gl: release: %w", backend.ErrForeign)
	}
	return b.do("release", func() error {
		if !gt.released {
			gt.released = true
			b.pool.Put(gt.buf, gt.capacity)
		}
		return nil
	})
}

// tensor resolves a handle passed to op; it runs on the GL thread.
func (b *Backend) tensor(op string, t backend.Tensor) (*Tensor, error) {
	gt, ok := t.(*Tensor)
	switch {
	case !ok || gt == nil || gt.owner != b:
		return nil, fmt.Errorf("gl: %s: %w", op, backend.ErrForeign)
	case gt.released:
		return nil, fmt.Errorf("gl: %s: %w", op, backend.ErrReleased)
	}
	return gt, nil
}

// tensors resolves several handles into out.
func (b *Backend) tensors(op string, out []*Tensor, ts ...backend.Tensor) error {
	for i, t := range ts {
		gt, err := b.tensor(op, t)
		if err != nil {
			return err
		}
		out[i] = gt
	}
	return nil
}

// scratch lends a pooled buffer of n elements to f (row losses, partial
// sums) and returns it to the pool afterwards; barrier tracking orders its
// reuse by later kernels.
func (b *Backend) scratch(n int, f func(buf *glrt.Buffer) error) error {
	buf, capacity, err := b.pool.Get(n)
	if err != nil {
		return deviceError(err)
	}
	defer b.pool.Put(buf, capacity)
	return f(buf)
}

// program returns the compiled kernel name.
func (b *Backend) program(name string) (*glrt.Program, error) {
	p, err := b.dev.Program(name)
	if err != nil {
		return nil, fmt.Errorf("gl: %w", err)
	}
	return p, nil
}

// groups is the 1-D dispatch for n elements (glrt.Groups).
func groups(n int) int { return glrt.Groups(n) }
