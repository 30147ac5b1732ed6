package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// MaxPool2DForward sets y and arg to each window's maximum and its position
// (see backend.Convolver) in one dispatch of maxpool2d_forward.comp, one
// invocation per output.
func (be *Backend) MaxPool2DForward(p backend.Pool2D, y, arg, x backend.Tensor) error {
	const op = "maxpool2d forward"
	if err := backend.Check(be).MaxPool2DForward(p, y, arg, x); err != nil {
		return err
	}
	if err := be.ready(op, "maxpool2d_forward.comp"); err != nil {
		return err
	}
	ty, targ, tx := y.(*Tensor), arg.(*Tensor), x.(*Tensor)
	return be.enqueue(op, func() error {
		prog, err := be.program("maxpool2d_forward.comp")
		if err != nil {
			return err
		}
		n := ty.shape.Len()
		setPool(prog, p, n)
		gx, gy := grid(n)
		return be.dev.Dispatch(prog, gx, gy, 1, tx.in(), ty.out(), targ.out())
	})
}

// MaxPool2DBackward routes dy to the maxima (see backend.Convolver) in one
// dispatch of maxpool2d_backward.comp, a gather with one invocation per
// element of dx.
func (be *Backend) MaxPool2DBackward(p backend.Pool2D, dx, arg, dy backend.Tensor) error {
	const op = "maxpool2d backward"
	if err := backend.Check(be).MaxPool2DBackward(p, dx, arg, dy); err != nil {
		return err
	}
	if err := be.ready(op, "maxpool2d_backward.comp"); err != nil {
		return err
	}
	tdx, targ, tdy := dx.(*Tensor), arg.(*Tensor), dy.(*Tensor)
	return be.enqueue(op, func() error {
		prog, err := be.program("maxpool2d_backward.comp")
		if err != nil {
			return err
		}
		n := tdx.shape.Len()
		setPool(prog, p, n)
		gx, gy := grid(n)
		return be.dev.Dispatch(prog, gx, gy, 1, targ.in(), tdy.in(), tdx.out())
	})
}

// setPool sets the uniforms of the max-pooling kernels: count elements of
// the output, the geometry p.
func setPool(prog *glrt.Program, p backend.Pool2D, count int) {
	prog.SetInt("count", count)
	prog.SetInt("height", p.H)
	prog.SetInt("width", p.W)
	prog.SetInt("kh", p.KH)
	prog.SetInt("kw", p.KW)
	prog.SetInt("stride", p.Stride)
	prog.SetInt("oh", p.OutH())
	prog.SetInt("ow", p.OutW())
}
