package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// binary queues add.comp, sub.comp or mul.comp: dst = a ∘ b.
func (be *Backend) binary(op, shader string, dst, a, b backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors(op, t[:], dst, a, b); err != nil {
		return err
	}
	if err := backend.CheckSame(op, t[0].shape, t[1].shape, t[2].shape); err != nil {
		return err
	}
	if err := be.ready(op, shader); err != nil {
		return err
	}
	d, x, y := t[0], t[1], t[2]
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
	return be.binary("add", "add.comp", dst, a, b)
}

// Sub sets dst = a − b (sub.comp).
func (be *Backend) Sub(dst, a, b backend.Tensor) error {
	return be.binary("sub", "sub.comp", dst, a, b)
}

// Mul sets dst = a ⊙ b (mul.comp).
func (be *Backend) Mul(dst, a, b backend.Tensor) error {
	return be.binary("mul", "mul.comp", dst, a, b)
}

// Scale sets dst = alpha·x (scale.comp).
func (be *Backend) Scale(dst backend.Tensor, alpha float32, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("scale", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckSame("scale", t[0].shape, t[1].shape); err != nil {
		return err
	}
	if err := be.ready("scale", "scale.comp"); err != nil {
		return err
	}
	d, s := t[0], t[1]
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
	var t [2]*Tensor
	if err := be.tensors("axpy", t[:], x, y); err != nil {
		return err
	}
	if err := backend.CheckSame("axpy", t[1].shape, t[0].shape); err != nil {
		return err
	}
	if err := be.ready("axpy", "axpy.comp"); err != nil {
		return err
	}
	xt, yt := t[0], t[1]
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
	d, err := be.tensor("fill", dst)
	if err != nil {
		return err
	}
	if err := be.ready("fill", "fill.comp"); err != nil {
		return err
	}
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
	var t [3]*Tensor
	if err := be.tensors("add bias", t[:], dst, x, bias); err != nil {
		return err
	}
	if err := backend.CheckAddBias(t[0].shape, t[1].shape, t[2].shape); err != nil {
		return err
	}
	if err := be.ready("add bias", "add_bias.comp"); err != nil {
		return err
	}
	d, xt, bt := t[0], t[1], t[2]
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
	var t [2]*Tensor
	if err := be.tensors("broadcast", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckBroadcast(t[0].shape, t[1].shape); err != nil {
		return err
	}
	if err := be.ready("broadcast", "broadcast.comp"); err != nil {
		return err
	}
	d, xt := t[0], t[1]
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
