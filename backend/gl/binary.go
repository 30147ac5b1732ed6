package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.Binarier = (*Backend)(nil)

// BinaryForward sets dst = f(a, b), a and b broadcast over dst
// (binary_forward.comp, compiled for op from the binary table).
func (be *Backend) BinaryForward(op backend.BinaryOp, dst, a, b backend.Tensor) error {
	if err := backend.Check(be).BinaryForward(op, dst, a, b); err != nil {
		return err
	}
	shader := binShaders[op][0]
	if err := be.ready("binary forward", shader); err != nil {
		return err
	}
	d, x, y := dst.(*Tensor), a.(*Tensor), b.(*Tensor) // checked: trust
	return be.enqueue(binaryOps[op][0], func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		setBroadcast(p, d.shape, x.shape, y.shape)
		return be.dev.Dispatch(p, groups(d.shape.Len()), 1, 1, x.in(), y.in(), d.out())
	})
}

// BinaryBackward sets da = dy·∂f/∂a and db = dy·∂f/∂b, dy's shape, not
// reduced (binary_backward.comp); either may be nil.
func (be *Backend) BinaryBackward(op backend.BinaryOp, da, db, a, b, dy backend.Tensor) error {
	if err := backend.Check(be).BinaryBackward(op, da, db, a, b, dy); err != nil {
		return err
	}
	shader := binShaders[op][1]
	if err := be.ready("binary backward", shader); err != nil {
		return err
	}
	x, y, g := a.(*Tensor), b.(*Tensor), dy.(*Tensor) // checked: trust
	// An output not wanted is bound to dy, which the kernel then never writes.
	wantA, wantB := da != nil, db != nil
	outA, outB := g.in(), g.in()
	if wantA {
		outA = da.(*Tensor).out()
	}
	if wantB {
		outB = db.(*Tensor).out()
	}
	return be.enqueue(binaryOps[op][1], func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		setBroadcast(p, g.shape, x.shape, y.shape)
		p.SetInt("want_a", boolInt(wantA))
		p.SetInt("want_b", boolInt(wantB))
		return be.dev.Dispatch(p, groups(g.shape.Len()), 1, 1, x.in(), y.in(), g.in(), outA, outB)
	})
}

// setBroadcast sets the binary kernels' uniforms: the output's element
// count and columns, and each operand's row and column strides (0 along a
// dimension it is broadcast over).
func setBroadcast(p *glrt.Program, out, a, b backend.Shape) {
	p.SetInt("count", out.Len())
	p.SetInt("n", out.Cols)
	for _, s := range [...]struct {
		rs, cs string
		shape  backend.Shape
	}{{"a_rs", "a_cs", a}, {"b_rs", "b_cs", b}} {
		rs, cs := s.shape.Cols, 1
		if s.shape.Rows == 1 {
			rs = 0
		}
		if s.shape.Cols == 1 {
			cs = 0
		}
		p.SetInt(s.rs, rs)
		p.SetInt(s.cs, cs)
	}
}
