package cpu

import (
	"gltrain/backend"
)

var _ backend.LinearFuser = (*Backend)(nil)

// The fused linear layer on the CPU is the unfused path's own arithmetic in
// fewer calls: the products are Backend.MatMul's Sgemm with the same
// arguments, and the elementwise steps are the loops of AddBias, ColSum and
// the activation kernels, so LinearForward and LinearBackward give the same
// bits as MatMul, AddBias, ActivationForward, ActivationBackward and ColSum.
// A model trains to the same numbers whichever path autograd takes.

// LinearForward sets z = x·W + b and y = f(z) (see backend.LinearFuser).
func (be *Backend) LinearForward(f backend.Activation, y, z, x, w, bias backend.Tensor) error {
	if err := backend.Check(be).LinearForward(f, y, z, x, w, bias); err != nil {
		return err
	}
	ty, tx, tw := y.(*Tensor), x.(*Tensor), w.(*Tensor) // checked: trust
	tz, tb := optional(z), optional(bias)
	pre := ty // the product lands in z when it is kept, else in y
	if tz != nil {
		pre = tz
	}
	be.gemm(backend.NoTrans, backend.NoTrans, 1, tx, tw, 0, pre)
	var b []float32
	if tb != nil {
		b = tb.data
	}
	linearForward(f, ty.data, pre.data, b, ty.shape.Cols)
	return nil
}

// linearForward is the epilogue of the forward pass, on z = x·W already
// computed; z, y are (batch, out), bias is (out) or nil, and y may be z:
//
//	z[i,j] += bias[j]
//	y[i,j] = f(z[i,j])
//
// The activation runs on blocks of rows (linearBlock values at least), not
// row by row: its vector loops are a C call each, whose cost would
// otherwise dominate narrow rows (a 200×200 decision map through a layer
// of 100 was 40,000 calls). It is elementwise, so the bits are the same.
func linearForward(f backend.Activation, y, z, bias []float32, out int) {
	rows := max(1, linearBlock/out)
	parallelFor(len(z)/out, out*activationCost(f), func(lo, hi int) {
		for r0 := lo; r0 < hi; r0 += rows {
			r1 := min(r0+rows, hi)
			if bias != nil {
				linearBias(z[r0*out:r1*out], bias[:out], out)
			}
			activationForward(f, y[r0*out:r1*out], z[r0*out:r1*out])
		}
	})
}

// linearBiasGo adds bias (out) to each row of z (rows of out); with cgo on
// amd64, linearBias runs it eight columns at a time with AVX2, to the same
// bits.
func linearBiasGo(z, bias []float32, out int) {
	for i := 0; i < len(z); i += out {
		zr := z[i : i+out]
		for j, b := range bias {
			zr[j] += b
		}
	}
}

// linearBlock is the least number of values linearForward activates in one
// call: 16 KiB of float32, which stays in the L1 cache between the bias
// and the activation.
const linearBlock = 4096

// LinearBackward sets dW = xᵀ·dz + betaW·dW, db = colsum(dz) + betaB·db and
// dx = dz·Wᵀ + betaX·dx with dz = dy ⊙ f'(z) (see backend.LinearFuser). The
// GPU never stores dz; here it goes through a scratch buffer from the pool,
// and the identity uses dy itself.
func (be *Backend) LinearBackward(f backend.Activation, dx, dw, db, x, w, z, dy backend.Tensor, betaX, betaW, betaB float32) error {
	if err := backend.Check(be).LinearBackward(f, dx, dw, db, x, w, z, dy); err != nil || backend.NoOutputs(dx, dw, db) {
		return err
	}
	return be.linearBackward(f, optional(dx), optional(dw), optional(db), x.(*Tensor), w.(*Tensor), optional(z), dy.(*Tensor), betaX, betaW, betaB)
}

// linearBackward is LinearBackward on checked tensors (nil where not given).
func (be *Backend) linearBackward(f backend.Activation, tdx, tdw, tdb, tx, tw, tz, tdy *Tensor, betaX, betaW, betaB float32) error {
	dz := tdy
	if f.Kind != backend.Identity {
		buf, class, err := be.pool.Get(tdy.shape.Len())
		if err != nil {
			return err
		}
		defer be.pool.Put(buf, class)
		dz = &Tensor{shape: tdy.shape, data: buf[:tdy.shape.Len()]}
		linearDz(f, dz.data, tdy.data, tz.data)
	}
	if tdw != nil {
		be.gemm(backend.Trans, backend.NoTrans, 1, tx, dz, betaW, tdw)
	}
	if tdb != nil {
		linearDb(tdb.data, dz.data, dz.shape.Rows, dz.shape.Cols, betaB)
	}
	if tdx != nil {
		be.gemm(backend.NoTrans, backend.Trans, 1, dz, tw, betaX, tdx)
	}
	return nil
}

// linearDz is the backward pass's prologue, ActivationBackward's loop; dz,
// dy, z are (batch·out):
//
//	dz[i] = dy[i]·f'(z[i])
func linearDz(f backend.Activation, dz, dy, z []float32) {
	parallelFor(len(dz), activationCost(f), func(lo, hi int) { activationBackward(f, dz[lo:hi], dy[lo:hi], z[lo:hi]) })
}

// linearDb is the bias gradient, ColSum's loop (in float64, rounded once)
// then Axpy's addition; dz is (batch, out), db is (out):
//
//	db[j] = Σ_i dz[i,j] + beta·db[j]
func linearDb(db, dz []float32, batch, out int, beta float32) {
	// The blocks of sixteen columns are shared among the cores; a column's
	// sum does not depend on the block it is in, so the bits do not
	// depend on the number of cores.
	parallelFor((out+15)/16, 16*batch, func(lo, hi int) { linearDbCols(db, dz, batch, out, 16*lo, min(16*hi, out), beta) })
}

// linearDbColsGo is linearDb for the columns lo ≤ j < hi; with cgo on
// amd64, linearDbCols sums them with AVX2, to the same bits.
func linearDbColsGo(db, dz []float32, batch, out, lo, hi int, beta float32) {
	// Four columns at a time, walking the rows in order, in four
	// registers: each column's sum is added in the same order as one
	// column at a time, with contiguous reads and independent chains.
	j := lo
	for ; j+4 <= hi; j += 4 {
		var s0, s1, s2, s3 float64
		for i := 0; i < batch; i++ {
			r := dz[i*out+j : i*out+j+4 : i*out+j+4]
			s0 += float64(r[0])
			s1 += float64(r[1])
			s2 += float64(r[2])
			s3 += float64(r[3])
		}
		linearDbStore(db[j:j+4], [4]float64{s0, s1, s2, s3}, beta)
	}
	for ; j < hi; j++ {
		var s0 float64
		for i := 0; i < batch; i++ {
			s0 += float64(dz[i*out+j])
		}
		linearDbStore(db[j:j+1], [4]float64{s0}, beta)
	}
}

func linearDbStore(db []float32, sums [4]float64, beta float32) {
	for k := range db {
		v := float32(sums[k])
		if beta != 0 {
			v += beta * db[k]
		}
		db[k] = v
	}
}

// optional is the tensor behind a checked handle that may be nil.
func optional(t backend.Tensor) *Tensor {
	ct, _ := t.(*Tensor)
	return ct
}
