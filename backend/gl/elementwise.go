package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// binary queues add.comp, sub.comp or mul.comp on checked tensors:
// dst = a ∘ b.
func (be *Backend) binary(op, shader string, dst, a, b backend.Tensor) error {
	if err := be.ready(op, shader); err != nil {
		return err
	}
	d, x, y := dst.(*Tensor), a.(*Tensor), b.(*Tensor)
	return be.enqueue(op, func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		return be.dev.Dispatch(p, groups(n), 1, 1, x.in(), y.in(), d.out())
	})
}

// Add sets dst = a + b (add.comp).
func (be *Backend) Add(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Add(dst, a, b); err != nil {
		return err
	}
	return be.binary("add", "add.comp", dst, a, b)
}

// Sub sets dst = a − b (sub.comp).
func (be *Backend) Sub(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Sub(dst, a, b); err != nil {
		return err
	}
	return be.binary("sub", "sub.comp", dst, a, b)
}

// Mul sets dst = a ⊙ b (mul.comp).
func (be *Backend) Mul(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Mul(dst, a, b); err != nil {
		return err
	}
	return be.binary("mul", "mul.comp", dst, a, b)
}

// Scale sets dst = alpha·x (scale.comp).
func (be *Backend) Scale(dst backend.Tensor, alpha float32, x backend.Tensor) error {
	if err := backend.Check(be).Scale(dst, alpha, x); err != nil {
		return err
	}
	if err := be.ready("scale", "scale.comp"); err != nil {
		return err
	}
	d, s := dst.(*Tensor), x.(*Tensor)
	return be.enqueue("scale", func() error { return be.scale(d.out(), alpha, s.in(), d.shape.Len()) })
}

// scale dispatches scale.comp over n elements; it runs on the GL thread.
func (be *Backend) scale(dst glrt.Arg, alpha float32, x glrt.Arg, n int) error {
	p, err := be.program("scale.comp")
	if err != nil {
		return err
	}
	p.SetInt("n", n)
	p.SetFloat("alpha", alpha)
	return be.dev.Dispatch(p, groups(n), 1, 1, x, dst)
}

// Axpy sets y = alpha·x + y (axpy.comp).
func (be *Backend) Axpy(alpha float32, x, y backend.Tensor) error {
	if err := backend.Check(be).Axpy(alpha, x, y); err != nil {
		return err
	}
	if err := be.ready("axpy", "axpy.comp"); err != nil {
		return err
	}
	xt, yt := x.(*Tensor), y.(*Tensor)
	return be.enqueue("axpy", func() error {
		p, err := be.program("axpy.comp")
		if err != nil {
			return err
		}
		n := xt.shape.Len()
		p.SetInt("n", n)
		p.SetFloat("alpha", alpha)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), yt.inOut())
	})
}

// Fill sets every element of dst to value (fill.comp).
func (be *Backend) Fill(dst backend.Tensor, value float32) error {
	if err := backend.Check(be).Fill(dst, value); err != nil {
		return err
	}
	if err := be.ready("fill", "fill.comp"); err != nil {
		return err
	}
	d := dst.(*Tensor)
	return be.enqueue("fill", func() error { return be.fill(d.out(), d.shape.Len(), value) })
}

// fill dispatches fill.comp over n elements; it runs on the GL thread.
func (be *Backend) fill(dst glrt.Arg, n int, value float32) error {
	p, err := be.program("fill.comp")
	if err != nil {
		return err
	}
	p.SetInt("n", n)
	p.SetFloat("value", value)
	return be.dev.Dispatch(p, groups(n), 1, 1, dst)
}

// AddBias sets dst[i,j] = x[i,j] + bias[0,j] (add_bias.comp).
func (be *Backend) AddBias(dst, x, bias backend.Tensor) error {
	if err := backend.Check(be).AddBias(dst, x, bias); err != nil {
		return err
	}
	if err := be.ready("add bias", "add_bias.comp"); err != nil {
		return err
	}
	d, xt, bt := dst.(*Tensor), x.(*Tensor), bias.(*Tensor)
	return be.enqueue("add bias", func() error {
		p, err := be.program("add_bias.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", d.shape.Cols)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), bt.in(), d.out())
	})
}

// Broadcast sets dst (m×n) from x of shape 1×1, 1×n or m×1 (broadcast.comp).
func (be *Backend) Broadcast(dst, x backend.Tensor) error {
	if err := backend.Check(be).Broadcast(dst, x); err != nil {
		return err
	}
	if err := be.ready("broadcast", "broadcast.comp"); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor)
	return be.enqueue("broadcast", func() error {
		p, err := be.program("broadcast.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", d.shape.Cols)
		p.SetInt("x_rows", xt.shape.Rows)
		p.SetInt("x_cols", xt.shape.Cols)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), d.out())
	})
}
