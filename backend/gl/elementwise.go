package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// binary launches add.comp, sub.comp or mul.comp: dst = a ∘ b.
func (be *Backend) binary(op, shader string, dst, a, b backend.Tensor) error {
	return be.do(op, func() error {
		var t [3]*Tensor
		if err := be.tensors(op, t[:], dst, a, b); err != nil {
			return err
		}
		if err := backend.CheckSame(op, t[0].shape, t[1].shape, t[2].shape); err != nil {
			return err
		}
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		n := t[0].shape.Len()
		p.SetInt("n", n)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(t[1].buf), glrt.In(t[2].buf), glrt.Out(t[0].buf))
		return nil
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
	return be.do("scale", func() error {
		var t [2]*Tensor
		if err := be.tensors("scale", t[:], dst, x); err != nil {
			return err
		}
		if err := backend.CheckSame("scale", t[0].shape, t[1].shape); err != nil {
			return err
		}
		return be.scale(t[0].buf, alpha, t[1].buf, t[0].shape.Len())
	})
}

// scale dispatches scale.comp over n elements.
func (be *Backend) scale(dst *glrt.Buffer, alpha float32, x *glrt.Buffer, n int) error {
	p, err := be.program("scale.comp")
	if err != nil {
		return err
	}
	p.SetInt("n", n)
	p.SetFloat("alpha", alpha)
	be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(x), glrt.Out(dst))
	return nil
}

// Axpy sets y = alpha·x + y (axpy.comp).
func (be *Backend) Axpy(alpha float32, x, y backend.Tensor) error {
	return be.do("axpy", func() error {
		var t [2]*Tensor
		if err := be.tensors("axpy", t[:], x, y); err != nil {
			return err
		}
		if err := backend.CheckSame("axpy", t[1].shape, t[0].shape); err != nil {
			return err
		}
		p, err := be.program("axpy.comp")
		if err != nil {
			return err
		}
		n := t[0].shape.Len()
		p.SetInt("n", n)
		p.SetFloat("alpha", alpha)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(t[0].buf), glrt.InOut(t[1].buf))
		return nil
	})
}

// Fill sets every element of dst to value (fill.comp).
func (be *Backend) Fill(dst backend.Tensor, value float32) error {
	return be.do("fill", func() error {
		d, err := be.tensor("fill", dst)
		if err != nil {
			return err
		}
		p, err := be.program("fill.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetFloat("value", value)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.Out(d.buf))
		return nil
	})
}

// AddBias sets dst[i,j] = x[i,j] + bias[0,j] (add_bias.comp).
func (be *Backend) AddBias(dst, x, bias backend.Tensor) error {
	return be.do("add bias", func() error {
		var t [3]*Tensor
		if err := be.tensors("add bias", t[:], dst, x, bias); err != nil {
			return err
		}
		if err := backend.CheckAddBias(t[0].shape, t[1].shape, t[2].shape); err != nil {
			return err
		}
		p, err := be.program("add_bias.comp")
		if err != nil {
			return err
		}
		n := t[0].shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", t[0].shape.Cols)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(t[1].buf), glrt.In(t[2].buf), glrt.Out(t[0].buf))
		return nil
	})
}

// Broadcast sets dst (m×n) from x of shape 1×1, 1×n or m×1 (broadcast.comp).
func (be *Backend) Broadcast(dst, x backend.Tensor) error {
	return be.do("broadcast", func() error {
		var t [2]*Tensor
		if err := be.tensors("broadcast", t[:], dst, x); err != nil {
			return err
		}
		if err := backend.CheckBroadcast(t[0].shape, t[1].shape); err != nil {
			return err
		}
		return be.broadcast(t[0].buf, t[0].shape, t[1].buf, t[1].shape)
	})
}

func (be *Backend) broadcast(dst *glrt.Buffer, ds backend.Shape, x *glrt.Buffer, xs backend.Shape) error {
	p, err := be.program("broadcast.comp")
	if err != nil {
		return err
	}
	n := ds.Len()
	p.SetInt("n", n)
	p.SetInt("cols", ds.Cols)
	p.SetInt("x_rows", xs.Rows)
	p.SetInt("x_cols", xs.Cols)
	be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(x), glrt.Out(dst))
	return nil
}
