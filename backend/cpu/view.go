package cpu

import (
	"fmt"

	"gltrain/backend"
)

var _ backend.Viewer = (*Backend)(nil)

// View returns a tensor of shape s on x's memory (backend.Viewer): the
// same slice under another shape. x's memory returns to the pool when the
// last of x and its views is released.
func (b *Backend) View(x backend.Tensor, s backend.Shape) (backend.Tensor, error) {
	if err := backend.Check(b).View(x, s); err != nil {
		return nil, err
	}
	xt := x.(*Tensor)
	if xt.view {
		return nil, fmt.Errorf("cpu: view: %v as %v: a view of a packed tensor: %w", xt.shape, s, backend.ErrUnsupported)
	}
	v := &Tensor{shape: s, data: xt.data, owner: b}
	v.handles.Hold(xt.handles.Share())
	return v, nil
}
