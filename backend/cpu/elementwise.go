package cpu

import "gltrain/backend"

// binary runs f over the elements of checked tensors: dst[i] = f(a[i], b[i]).
func binary(dst, a, b backend.Tensor, f func(x, y float32) float32) {
	d, x, y := dst.(*Tensor).data, a.(*Tensor).data, b.(*Tensor).data
	parallelFor(len(d), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = f(x[i], y[i])
		}
	})
}

// Add sets dst = a + b.
func (be *Backend) Add(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Add(dst, a, b); err != nil {
		return err
	}
	binary(dst, a, b, func(x, y float32) float32 { return x + y })
	return nil
}

// Sub sets dst = a − b.
func (be *Backend) Sub(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Sub(dst, a, b); err != nil {
		return err
	}
	binary(dst, a, b, func(x, y float32) float32 { return x - y })
	return nil
}

// Mul sets dst = a ⊙ b.
func (be *Backend) Mul(dst, a, b backend.Tensor) error {
	if err := backend.Check(be).Mul(dst, a, b); err != nil {
		return err
	}
	binary(dst, a, b, func(x, y float32) float32 { return x * y })
	return nil
}

// Scale sets dst = alpha·x.
func (be *Backend) Scale(dst backend.Tensor, alpha float32, x backend.Tensor) error {
	if err := backend.Check(be).Scale(dst, alpha, x); err != nil {
		return err
	}
	d, s := dst.(*Tensor).data, x.(*Tensor).data
	for i := range d {
		d[i] = alpha * s[i]
	}
	return nil
}

// Axpy sets y = alpha·x + y.
func (be *Backend) Axpy(alpha float32, x, y backend.Tensor) error {
	if err := backend.Check(be).Axpy(alpha, x, y); err != nil {
		return err
	}
	xs, ys := x.(*Tensor).data, y.(*Tensor).data
	for i := range ys {
		ys[i] += alpha * xs[i]
	}
	return nil
}

// Fill sets every element of dst to value.
func (be *Backend) Fill(dst backend.Tensor, value float32) error {
	if err := backend.Check(be).Fill(dst, value); err != nil {
		return err
	}
	d := dst.(*Tensor).data
	for i := range d {
		d[i] = value
	}
	return nil
}

// AddBias sets dst[i,j] = x[i,j] + bias[0,j].
func (be *Backend) AddBias(dst, x, bias backend.Tensor) error {
	if err := backend.Check(be).AddBias(dst, x, bias); err != nil {
		return err
	}
	xt := x.(*Tensor)
	addBias(dst.(*Tensor).data, xt.data, bias.(*Tensor).data, xt.shape.Cols)
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
	if err := backend.Check(be).Broadcast(dst, x); err != nil {
		return err
	}
	dt, xt := dst.(*Tensor), x.(*Tensor)
	ds, xs, d, s := dt.shape, xt.shape, dt.data, xt.data
	for i := 0; i < ds.Rows; i++ {
		for j := 0; j < ds.Cols; j++ {
			// Index x by (i mod rows(x), j mod cols(x)): a 1-wide axis repeats.
			d[i*ds.Cols+j] = s[(i%xs.Rows)*xs.Cols+j%xs.Cols]
		}
	}
	return nil
}
