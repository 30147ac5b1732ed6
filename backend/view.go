package backend

import (
	"fmt"
	"sync/atomic"
)

// Viewer is an optional interface, found by type assertion: reshapes that
// share storage instead of copying (Shaper.Reshape), possible because
// every tensor is contiguous and row-major, so that x's elements in
// row-major order are the view's in row-major order whatever the shape.
//
// A view and the tensor it views are two handles on one buffer, each
// released on its own: the buffer goes back to the pool when the last
// handle is released, so either may outlive the other. Writes through one
// are seen through the other. The aliasing checks compare handles, so they
// cannot see that a view and its tensor share storage: an operation whose
// output must not alias an input (MatMul's C) must not be given both.
type Viewer interface {
	// View returns a tensor of shape s on x's storage; s must have x's
	// element count (ErrShape otherwise). It allocates no buffer and
	// dispatches nothing. x may itself be a view. A view of one of
	// Packer's views, whose storage the flat tensor's release frees at
	// once, is refused with an error wrapping ErrUnsupported (copy it
	// with Shaper.Reshape instead). A nil, foreign or released x gives
	// ErrForeign or ErrReleased.
	View(x Tensor, s Shape) (Tensor, error)
}

// View checks Viewer.View: x is live and s a valid shape of x's element
// count.
func (ck Checker) View(x Tensor, s Shape) error {
	const op = "view"
	if err := ck.own(op, x); err != nil {
		return err
	}
	if err := CheckNew(s); err != nil || s.Len() != x.Shape().Len() {
		return fmt.Errorf("%s: %v as %v: want as many elements: %w", op, x.Shape(), s, ErrShape)
	}
	return nil
}

// Handles counts the live handles of one buffer, a tensor and its views,
// for a Viewer's Release: the last handle released returns the buffer to
// the pool. Its zero value is a buffer that was never viewed, whose one
// handle is the last. Safe for concurrent use.
type Handles struct{ n atomic.Pointer[atomic.Int32] }

// Share adds a handle for a new view and returns the count, which the
// view's own Handles takes with Hold.
func (h *Handles) Share() *atomic.Int32 {
	if h.n.Load() == nil {
		one := new(atomic.Int32)
		one.Store(1)
		h.n.CompareAndSwap(nil, one)
	}
	n := h.n.Load()
	n.Add(1)
	return n
}

// Hold makes h one of the handles counted by n (from Share).
func (h *Handles) Hold(n *atomic.Int32) { h.n.Store(n) }

// Last drops a handle and reports whether it was the last.
func (h *Handles) Last() bool {
	n := h.n.Load()
	return n == nil || n.Add(-1) == 0
}
