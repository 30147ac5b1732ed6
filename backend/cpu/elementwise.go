package cpu

import "gltrain/backend"

// binary resolves and checks dst, a, b of an elementwise op, then runs f over
// the elements: dst[i] = f(a[i], b[i]).
func (be *Backend) binary(op string, dst, a, b backend.Tensor, f func(x, y float32) float32) error {
	var t [3]*Tensor
	if err := be.tensors(op, t[:], dst, a, b); err != nil {
		return err
	}
	if err := backend.CheckSame(op, t[0].shape, t[1].shape, t[2].shape); err != nil {
		return err
	}
	d, x, y := t[0].data, t[1].data, t[2].data
	parallelFor(len(d), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = f(x[i], y[i])
		}
	})
	return nil
}

// Add sets dst = a + b.
func (be *Backend) Add(dst, a, b backend.Tensor) error {
	return be.binary("add", dst, a, b, func(x, y float32) float32 { return x + y })
}

// Sub sets dst = a − b.
func (be *Backend) Sub(dst, a, b backend.Tensor) error {
	return be.binary("sub", dst, a, b, func(x, y float32) float32 { return x - y })
}

// Mul sets dst = a ⊙ b.
func (be *Backend) Mul(dst, a, b backend.Tensor) error {
	return be.binary("mul", dst, a, b, func(x, y float32) float32 { return x * y })
}

// Scale sets dst = alpha·x.
func (be *Backend) Scale(dst backend.Tensor, alpha float32, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("scale", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckSame("scale", t[0].shape, t[1].shape); err != nil {
		return err
	}
	d, s := t[0].data, t[1].data
	for i := range d {
		d[i] = alpha * s[i]
	}
	return nil
}

// Axpy sets y = alpha·x + y.
func (be *Backend) Axpy(alpha float32, x, y backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("axpy", t[:], x, y); err != nil {
		return err
	}
	if err := backend.CheckSame("axpy", t[1].shape, t[0].shape); err != nil {
		return err
	}
	xs, ys := t[0].data, t[1].data
	for i := range ys {
		ys[i] += alpha * xs[i]
	}
	return nil
}

// Fill sets every element of dst to value.
func (be *Backend) Fill(dst backend.Tensor, value float32) error {
	d, err := be.tensor("fill", dst)
	if err != nil {
		return err
	}
	for i := range d.data {
		d.data[i] = value
	}
	return nil
}

// AddBias sets dst[i,j] = x[i,j] + bias[0,j].
func (be *Backend) AddBias(dst, x, bias backend.Tensor) error {
	var t [3]*Tensor
	if err := be.tensors("add bias", t[:], dst, x, bias); err != nil {
		return err
	}
	if err := backend.CheckAddBias(t[0].shape, t[1].shape, t[2].shape); err != nil {
		return err
	}
	addBias(t[0].data, t[1].data, t[2].data, t[1].shape.Cols)
	return nil
}

// addBias is the reference loop; x, dst are (batch, n), bias is (n).
func addBias(dst, x, bias []float32, n int) {
	for i := 0; i < len(x); i += n {
		for j := 0; j < n; j++ {
			dst[i+j] = x[i+j] + bias[j]
		}
	}
}

// Broadcast sets dst (m×n) from x of shape 1×1, 1×n or m×1.
func (be *Backend) Broadcast(dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("broadcast", t[:], dst, x); err != nil {
		return err
	}
	ds, xs := t[0].shape, t[1].shape
	if err := backend.CheckBroadcast(ds, xs); err != nil {
		return err
	}
	d, s := t[0].data, t[1].data
	for i := 0; i < ds.Rows; i++ {
		for j := 0; j < ds.Cols; j++ {
			// Index x by (i mod rows(x), j mod cols(x)): a 1-wide axis repeats.
			d[i*ds.Cols+j] = s[(i%xs.Rows)*xs.Cols+j%xs.Cols]
		}
	}
	return nil
}
