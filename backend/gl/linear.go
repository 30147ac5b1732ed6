package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.LinearFuser = (*Backend)(nil)

// LinearForward sets z = x·W + b and y = f(z) in one dispatch
// (linear_forward.comp, tiled as MatMul is). bias and z may be nil.
func (be *Backend) LinearForward(f backend.Activation, y, z, x, w, bias backend.Tensor) error {
	const op = "linear forward"
	if err := backend.Check(be).LinearForward(f, y, z, x, w, bias); err != nil {
		return err
	}
	ty, tx, tw := y.(*Tensor), x.(*Tensor), w.(*Tensor) // checked: trust
	tz, tb := optional(z), optional(bias)
	if tx.shape.Cols > kChunk {
		return be.linearForwardSplit(f, ty, tz, tx, tw, tb)
	}
	shader := linearShader(0, f.Kind)
	if err := be.ready(op, shader); err != nil {
		return err
	}
	return be.enqueue(op, func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		m, n, k := ty.shape.Rows, ty.shape.Cols, tx.shape.Cols
		p.SetInt("m", m)
		p.SetInt("n", n)
		p.SetInt("k", k)
		p.SetInt("has_bias", boolInt(tb != nil))
		p.SetInt("store_z", boolInt(tz != nil))
		setActivation(p, f)
		// Unused bindings hold a tensor of the call, which the kernel
		// does not touch.
		biasArg, zArg := tx.in(), ty.out()
		if tb != nil {
			biasArg = tb.in()
		}
		if tz != nil {
			zArg = tz.out()
		}
		return be.dev.Dispatch(p, glrt.Cap((n+tileN-1)/tileN), glrt.Cap((m+tileM-1)/tileM), 1,
			tx.in(), tw.in(), biasArg, ty.out(), zArg)
	})
}

// linearForwardSplit is LinearForward for more than kChunk inputs: the
// product split over k (MatMul), then the bias (AddBias) and the
// activation, each step the fused kernel's arithmetic in its own dispatch.
func (be *Backend) linearForwardSplit(f backend.Activation, y, z, x, w, bias *Tensor) error {
	pre := y // the product lands in z when it is kept, else in y
	if z != nil {
		pre = z
	}
	if err := be.MatMul(backend.NoTrans, backend.NoTrans, 1, x, w, 0, pre); err != nil {
		return err
	}
	if bias != nil {
		if err := be.AddBias(pre, pre, bias); err != nil {
			return err
		}
	}
	return be.ActivationForward(f, y, pre)
}

// LinearBackward sets dW = xᵀ·dz + betaW·dW and db = colsum(dz) + betaB·db
// in one dispatch, and dx = dz·Wᵀ + betaX·dx in another, with dz = dy ⊙
// f'(z) formed as dy is loaded (linear_backward.comp). dx, dw, db, and z
// for the identity, may be nil.
func (be *Backend) LinearBackward(f backend.Activation, dx, dw, db, x, w, z, dy backend.Tensor, betaX, betaW, betaB float32) error {
	if err := backend.Check(be).LinearBackward(f, dx, dw, db, x, w, z, dy); err != nil || backend.NoOutputs(dx, dw, db) {
		return err
	}
	return be.linearBackward(f, optional(dx), optional(dw), optional(db), x.(*Tensor), w.(*Tensor), optional(z), dy.(*Tensor), betaX, betaW, betaB)
}

// linearBackward is LinearBackward on checked tensors (nil where not given).
func (be *Backend) linearBackward(f backend.Activation, tdx, tdw, tdb, tx, tw, tz, tdy *Tensor, betaX, betaW, betaB float32) error {
	const op = "linear backward"
	if err := be.ready(op, linearShader(1, f.Kind), linearShader(2, f.Kind)); err != nil {
		return err
	}
	if err := be.ready(op, "matmul_reduce.comp"); err != nil {
		return err
	}
	if tz == nil {
		tz = tdy // the identity reads no z
	}
	in, out, batch := tx.shape.Cols, tdy.shape.Cols, tx.shape.Rows
	if tdw != nil || tdb != nil {
		// Pass 0 sums over the batch: split-K beyond kChunk rows.
		split, err := be.planSplitK(op, in+1, out, batch)
		if err != nil {
			return err
		}
		err = be.enqueue(op, func() error { return be.linearWeights(f, split, tdw, tdb, tx, tz, tdy, betaW, betaB) })
		be.putScratch(split.partial)
		if err != nil {
			return err
		}
	}
	if tdx == nil {
		return nil
	}
	split, err := be.planSplitK(op, batch, in, out)
	if err != nil {
		return err
	}
	defer be.putScratch(split.partial)
	return be.enqueue(op, func() error { return be.linearInput(f, split, tdx, tw, tz, tdy, betaX) })
}

// linearWeights dispatches linear_backward.comp's pass 0 over the rows of
// xᵀ and its row of ones that are wanted: dW's (0 … in−1), db's (in), or
// both. It runs on the GL thread.
func (be *Backend) linearWeights(f backend.Activation, split splitK, dw, db, x, z, dy *Tensor, betaW, betaB float32) error {
	p, err := be.program(linearShader(1, f.Kind))
	if err != nil {
		return err
	}
	in, out, batch := x.shape.Cols, dy.shape.Cols, x.shape.Rows
	first, rows := 0, in+1
	switch {
	case dw == nil:
		first, rows = in, 1
	case db == nil:
		rows = in
	}
	dwArg, dbArg := z.in(), z.in() // unused bindings: a tensor the pass does not write
	if dw != nil {
		dwArg = outArg(dw, betaW)
	}
	if db != nil {
		dbArg = outArg(db, betaB)
	}
	be.setLinear(p, f, rows, out, batch)
	p.SetInt("rows", in)
	p.SetInt("first_row", first)
	return split.rounds(1, func(chunk, count int, _ float32) error {
		bw, bb := betaW, betaB // the first round's betas; 1 after
		if chunk > 0 {
			bw, bb = 1, 1
		}
		if count == 1 {
			dwArg, dbArg := dwArg, dbArg
			if dw != nil {
				dwArg = outArg(dw, bw)
			}
			if db != nil {
				dbArg = outArg(db, bb)
			}
			be.setSlices(p, split, chunk, 1, batch)
			p.SetFloat("beta", bw)
			p.SetFloat("beta_b", bb)
			return be.dev.Dispatch(p, glrt.Cap((out+tileN-1)/tileN), glrt.Cap((rows+tileM-1)/tileM), 1,
				x.in(), dy.in(), z.in(), dwArg, dbArg, x.in())
		}
		be.setSlices(p, split, chunk, count, batch)
		if err := be.dev.Dispatch(p, glrt.Cap((out+tileN-1)/tileN), glrt.Cap((rows+tileM-1)/tileM), count,
			x.in(), dy.in(), z.in(), dwArg, dbArg, glrt.Out(split.partial.buf)); err != nil {
			return err
		}
		if dw != nil {
			if err := be.reduceSlices(split, count, rows*out, 0, in, out, 1, bw, dw); err != nil {
				return err
			}
		}
		if db != nil {
			return be.reduceSlices(split, count, rows*out, rows-1, 1, out, 1, bb, db)
		}
		return nil
	})
}

// setSlices sets the split-K uniforms of a linear_backward.comp round:
// count slices from chunk first, of a product over k.
func (be *Backend) setSlices(p *glrt.Program, split splitK, first, count, k int) {
	p.SetInt("k_begin", first*split.chunk)
	p.SetInt("k_chunk", split.chunk)
	p.SetInt("slices", count)
}

// linearInput dispatches linear_backward.comp's pass 1, dx = dz·Wᵀ + beta·dx.
// It runs on the GL thread.
func (be *Backend) linearInput(f backend.Activation, split splitK, dx, w, z, dy *Tensor, beta float32) error {
	p, err := be.program(linearShader(2, f.Kind))
	if err != nil {
		return err
	}
	batch, in, out := dx.shape.Rows, dx.shape.Cols, dy.shape.Cols
	be.setLinear(p, f, batch, in, out)
	p.SetInt("rows", in)
	p.SetInt("first_row", 0)
	p.SetFloat("beta_b", 0)
	return split.rounds(beta, func(chunk, count int, beta float32) error {
		be.setSlices(p, split, chunk, count, out)
		p.SetFloat("beta", beta)
		if count == 1 {
			return be.dev.Dispatch(p, glrt.Cap((in+tileN-1)/tileN), glrt.Cap((batch+tileM-1)/tileM), 1,
				w.in(), dy.in(), z.in(), outArg(dx, beta), w.in(), w.in())
		}
		if err := be.dev.Dispatch(p, glrt.Cap((in+tileN-1)/tileN), glrt.Cap((batch+tileM-1)/tileM), count,
			w.in(), dy.in(), z.in(), dx.in(), w.in(), glrt.Out(split.partial.buf)); err != nil {
			return err
		}
		return be.reduceSlices(split, count, batch*in, 0, batch, in, 1, beta, dx)
	})
}

// setLinear sets linear_backward.comp's product size and activation
// parameter.
func (be *Backend) setLinear(p *glrt.Program, f backend.Activation, m, n, k int) {
	p.SetInt("m", m)
	p.SetInt("n", n)
	p.SetInt("k", k)
	setActivation(p, f)
}

// linearShader is kernel i (0 forward, 1 and 2 the backward passes) of
// activation k.
func linearShader(i int, k backend.ActivationKind) string { return actShaders[k][2+i] }

// outArg binds an output that the kernel also reads when beta ≠ 0.
func outArg(t *Tensor, beta float32) glrt.Arg {
	if beta != 0 {
		return t.inOut()
	}
	return t.out()
}

// optional is the tensor behind a checked handle that may be nil.
func optional(t backend.Tensor) *Tensor {
	gt, _ := t.(*Tensor)
	return gt
}
