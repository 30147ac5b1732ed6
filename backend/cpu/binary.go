package cpu

import (
	"gltrain/backend"
)

var _ backend.Binarier = (*Backend)(nil)

// BinaryForward sets dst = f(a, b) with a and b broadcast over dst.
func (be *Backend) BinaryForward(op backend.BinaryOp, dst, a, b backend.Tensor) error {
	if err := backend.Check(be).BinaryForward(op, dst, a, b); err != nil {
		return err
	}
	d, x, y := dst.(*Tensor), a.(*Tensor), b.(*Tensor) // checked: trust
	ix, iy := newBroadcastIndex(x.shape, d.shape), newBroadcastIndex(y.shape, d.shape)
	parallelFor(len(d.data), 2, func(lo, hi int) { binaryForward(op, d.data, x.data, y.data, ix, iy, lo, hi) })
	return nil
}

// BinaryBackward sets da = dy·∂f/∂a and db = dy·∂f/∂b, both dy's shape
// (not reduced over the broadcast dimensions); either may be nil.
func (be *Backend) BinaryBackward(op backend.BinaryOp, da, db, a, b, dy backend.Tensor) error {
	if err := backend.Check(be).BinaryBackward(op, da, db, a, b, dy); err != nil {
		return err
	}
	g, x, y := dy.(*Tensor), a.(*Tensor), b.(*Tensor) // checked: trust
	var dad, dbd []float32
	if da != nil {
		dad = da.(*Tensor).data
	}
	if db != nil {
		dbd = db.(*Tensor).data
	}
	ix, iy := newBroadcastIndex(x.shape, g.shape), newBroadcastIndex(y.shape, g.shape)
	parallelFor(len(g.data), 4, func(lo, hi int) { binaryBackward(op, dad, dbd, x.data, y.data, g.data, ix, iy, lo, hi) })
	return nil
}

// broadcastIndex maps an element of the m×n output to an operand's
// element: (i/n)·rowStride + (i%n)·colStride, with a stride of 0 along a
// dimension the operand is broadcast over (the backend package's rule).
type broadcastIndex struct{ n, rowStride, colStride int }

func newBroadcastIndex(s, out backend.Shape) broadcastIndex {
	bi := broadcastIndex{n: out.Cols, colStride: 1, rowStride: s.Cols}
	if s.Rows == 1 {
		bi.rowStride = 0
	}
	if s.Cols == 1 {
		bi.colStride = 0
	}
	return bi
}

func (bi broadcastIndex) at(i int) int { return i/bi.n*bi.rowStride + i%bi.n*bi.colStride }

// binaryForward sets d[i] = F(a[ia(i)], b[ib(i)]) for i in [lo, hi), d the
// m×n output, through the binary table's float64 reference rounded to
// float32:
//
//	d[i] = float32(F(float64(a[ia.at(i)]), float64(b[ib.at(i)])))
func binaryForward(op backend.BinaryOp, d, a, b []float32, ia, ib broadcastIndex, lo, hi int) {
	f := op.Def().F
	for i := lo; i < hi; i++ {
		d[i] = float32(f(float64(a[ia.at(i)]), float64(b[ib.at(i)])))
	}
}

// binaryBackward sets da[i] = DA(a, b, dy[i]) and db[i] = DB(a, b, dy[i])
// for i in [lo, hi), a and b read through ia and ib, from the table's
// float64 references; da or db is skipped when nil. Every input is read
// before either output is written, so da or db may be dy.
func binaryBackward(op backend.BinaryOp, da, db, a, b, dy []float32, ia, ib broadcastIndex, lo, hi int) {
	def := op.Def()
	for i := lo; i < hi; i++ {
		x, y, g := float64(a[ia.at(i)]), float64(b[ib.at(i)]), float64(dy[i])
		if da != nil {
			da[i] = float32(def.DA(x, y, g))
		}
		if db != nil {
			db[i] = float32(def.DB(x, y, g))
		}
	}
}
