package gl

import (
	"fmt"

	"gltrain/backend"
)

var _ backend.Viewer = (*Backend)(nil)

// View returns a tensor of shape s on x's buffer (backend.Viewer), on the
// caller's goroutine: nothing is queued or dispatched. The buffer returns
// to the pool when the last of x and its views is released; as for any
// Release, commands queued before then still read it (stream.go).
func (b *Backend) View(x backend.Tensor, s backend.Shape) (backend.Tensor, error) {
	if err := backend.Check(b).View(x, s); err != nil {
		return nil, err
	}
	xt := x.(*Tensor)
	if xt.view {
		return nil, fmt.Errorf("gl: view: %v as %v: a view of a packed tensor: %w", xt.shape, s, backend.ErrUnsupported)
	}
	v := &Tensor{shape: s, buf: xt.buf, capacity: xt.capacity, owner: b}
	v.handles.Hold(xt.handles.Share())
	return v, nil
}
