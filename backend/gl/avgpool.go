package gl

import "gltrain/backend"

var _ backend.AvgPooler = (*Backend)(nil)

// AvgPool2DForward sets y to each window's mean (see backend.AvgPooler) in
// one dispatch of avgpool2d_forward.comp, one invocation per output.
func (be *Backend) AvgPool2DForward(p backend.Pool2D, y, x backend.Tensor) error {
	const op = "avgpool2d forward"
	if err := backend.Check(be).AvgPool2DForward(p, y, x); err != nil {
		return err
	}
	return be.avgPool(op, "avgpool2d_forward.comp", p, y.(*Tensor), x.(*Tensor))
}

// AvgPool2DBackward spreads dy over the windows (see backend.AvgPooler) in
// one dispatch of avgpool2d_backward.comp, a gather with one invocation per
// element of dx.
func (be *Backend) AvgPool2DBackward(p backend.Pool2D, dx, dy backend.Tensor) error {
	const op = "avgpool2d backward"
	if err := backend.Check(be).AvgPool2DBackward(p, dx, dy); err != nil {
		return err
	}
	return be.avgPool(op, "avgpool2d_backward.comp", p, dx.(*Tensor), dy.(*Tensor))
}

// avgPool dispatches shader, one invocation per element of dst, reading src.
func (be *Backend) avgPool(op, shader string, p backend.Pool2D, dst, src *Tensor) error {
	if err := be.ready(op, shader); err != nil {
		return err
	}
	return be.enqueue(op, func() error {
		prog, err := be.program(shader)
		if err != nil {
			return err
		}
		n := dst.shape.Len()
		setPool(prog, p, n)
		gx, gy := grid(n)
		return be.dev.Dispatch(prog, gx, gy, 1, src.in(), dst.out())
	})
}
