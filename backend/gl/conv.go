package gl

// Convolutions as products on the tuned matmul (matmul.go), through im2col,
// as the CPU reference does (backend/cpu/conv.go): the patches of a chunk of
// n images are the columns of a Patch×(n·P) matrix (P = OutH·OutW output
// pixels per image), so that
//
//	Y' (K×n·P)        = W (K×Patch) · cols
//	dcols (Patch×n·P) = Wᵀ · dY'
//	dW (K×Patch)      = dY' · colsᵀ
//
// where Y' holds the outputs filter-major (Y'[k, s·P+p] = y[s, k·P+p]).
// im2col.comp, col2im.comp and conv2d_permute.comp move the data, one
// invocation per element written; the products are MatMul calls on pooled
// scratch tensors, so they take the tuned variant and split-K like any
// product. db, dY''s row sums, is a tree of conv2d_bias_backward.comp over
// dy in double, as the CPU sums it in float64.
//
// The scratch of a call is bounded: a batch whose matrices would exceed
// convChunkElems elements runs in chunks of images, each chunk's products
// writing its rows of y and dx, or adding into dw (beta 1 after the first
// chunk). The chunks depend only on the shapes, so every run adds in
// the same order.

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.Convolver = (*Backend)(nil)

// convChunkElems bounds each scratch matrix of a convolution (cols, Y'):
// 256 MB of floats. A variable, so that tests can force chunks.
var convChunkElems = 1 << 26

// convChunks calls f for the chunks of n images, first … first+images−1,
// whose Patch×(images·P) and K×(images·P) matrices fit convChunkElems (one
// image at least).
func convChunks(g backend.Conv2D, n int, f func(first, images int) error) error {
	per := max(g.Patch(), g.K) * g.OutH() * g.OutW()
	step := max(1, min(n, convChunkElems/per))
	for first := 0; first < n; first += step {
		if err := f(first, min(step, n-first)); err != nil {
			return err
		}
	}
	return nil
}

// Conv2DForward computes y = conv(x, w) + b (see backend.Convolver):
// im2col.comp, the product W·cols, and conv2d_permute.comp adding b.
func (be *Backend) Conv2DForward(g backend.Conv2D, y, x, w, b backend.Tensor) error {
	const op = "conv2d forward"
	if err := backend.Check(be).Conv2DForward(g, y, x, w, b); err != nil {
		return err
	}
	if err := be.ready(op, "im2col.comp", "conv2d_permute.comp"); err != nil {
		return err
	}
	ty, tx, tw, tb := y.(*Tensor), x.(*Tensor), w.(*Tensor), b.(*Tensor)
	P := g.OutH() * g.OutW()
	return convChunks(g, tx.shape.Rows, func(first, images int) error {
		s, err := be.scratchTensors(op, shape(g.Patch(), images*P), shape(g.K, images*P))
		if err != nil {
			return err
		}
		defer s.release(be)
		cols, yp := s[0], s[1]
		return inTurn(
			func() error {
				return be.enqueue(op, func() error { return be.im2col(g, first, images, tx.in(), cols.out()) })
			},
			func() error { return be.MatMul(backend.NoTrans, backend.NoTrans, 1, tw, cols, 0, yp) },
			func() error {
				return be.enqueue(op, func() error { return be.permute(g.K, P, first, images, false, yp.in(), tb.in(), ty.out()) })
			},
		)
	})
}

// Conv2DBackwardData computes dx from dy and w (see backend.Convolver):
// conv2d_permute.comp to filter-major, the product Wᵀ·dY', and col2im.comp.
func (be *Backend) Conv2DBackwardData(g backend.Conv2D, dx, dy, w backend.Tensor) error {
	const op = "conv2d backward data"
	if err := backend.Check(be).Conv2DBackwardData(g, dx, dy, w); err != nil {
		return err
	}
	if err := be.ready(op, "col2im.comp", "conv2d_permute.comp"); err != nil {
		return err
	}
	tdx, tdy, tw := dx.(*Tensor), dy.(*Tensor), w.(*Tensor)
	P := g.OutH() * g.OutW()
	return convChunks(g, tdx.shape.Rows, func(first, images int) error {
		s, err := be.scratchTensors(op, shape(g.Patch(), images*P), shape(g.K, images*P))
		if err != nil {
			return err
		}
		defer s.release(be)
		dcols, dyp := s[0], s[1]
		return inTurn(
			func() error {
				return be.enqueue(op, func() error { return be.permute(g.K, P, first, images, true, tdy.in(), tdy.in(), dyp.out()) })
			},
			func() error { return be.MatMul(backend.Trans, backend.NoTrans, 1, tw, dyp, 0, dcols) },
			func() error {
				return be.enqueue(op, func() error { return be.col2im(g, first, images, dcols.in(), tdx.out()) })
			},
		)
	})
}

// Conv2DBackwardFilter computes dw and db from x and dy (see
// backend.Convolver): im2col.comp and conv2d_permute.comp, then the
// product dY'·colsᵀ, adding into dw after the first chunk; db is a tree of
// conv2d_bias_backward.comp over dy.
func (be *Backend) Conv2DBackwardFilter(g backend.Conv2D, dw, db, x, dy backend.Tensor) error {
	const op = "conv2d backward filter"
	if err := backend.Check(be).Conv2DBackwardFilter(g, dw, db, x, dy); err != nil {
		return err
	}
	if err := be.ready(op, "im2col.comp", "conv2d_permute.comp", "conv2d_bias_backward.comp"); err != nil {
		return err
	}
	tdw, tdb, tx, tdy := dw.(*Tensor), db.(*Tensor), x.(*Tensor), dy.(*Tensor)
	n, P := tx.shape.Rows, g.OutH()*g.OutW()
	err := convChunks(g, n, func(first, images int) error {
		s, err := be.scratchTensors(op, shape(g.Patch(), images*P), shape(g.K, images*P))
		if err != nil {
			return err
		}
		defer s.release(be)
		cols, dyp := s[0], s[1]
		var beta float32
		if first > 0 {
			beta = 1
		}
		return inTurn(
			func() error {
				return be.enqueue(op, func() error { return be.im2col(g, first, images, tx.in(), cols.out()) })
			},
			func() error {
				return be.enqueue(op, func() error { return be.permute(g.K, P, first, images, true, tdy.in(), tdy.in(), dyp.out()) })
			},
			func() error { return be.MatMul(backend.NoTrans, backend.Trans, 1, dyp, cols, beta, tdw) },
		)
	})
	if err != nil {
		return err
	}
	tree, err := be.planRowTree(g.K, n*P)
	if err != nil {
		return fmt.Errorf("gl: %s: scratch: %w", op, err)
	}
	defer tree.release(be)
	return be.enqueue(op, func() error { return be.biasBackward(tree, P, tdy.in(), tdb.out()) })
}

// biasBackward dispatches the levels of conv2d_bias_backward.comp, the
// row sums of dy (n×K·P) in filter-major order into db, as tree t (K rows
// of n·P) plans them; it runs on the GL thread.
func (be *Backend) biasBackward(t rowTree, P int, dy, db glrt.Arg) error {
	p, err := be.program("conv2d_bias_backward.comp")
	if err != nil {
		return err
	}
	level := func(in, out glrt.Arg, n, k, lvl int, last bool) error {
		p.SetInt("filters", t.m)
		p.SetInt("pixels", P)
		p.SetInt("n", n)
		p.SetInt("k", k)
		p.SetInt("level", lvl)
		p.SetInt("last", boolInt(last))
		partials, final := out, dy // unused bindings hold dy, which no level writes
		if last {
			partials, final = dy, out
		}
		gx, gy := groupGrid(t.m * k)
		return be.dev.Dispatch(p, gx, gy, 1, dy, in, partials, final)
	}
	return t.run(db,
		func(out glrt.Arg, k int) error { return level(dy, out, t.n, k, 0, len(t.widths) == 1) },
		func(in, out glrt.Arg, n, k int, last bool) error { return level(in, out, n, k, 1, last) })
}

// inTurn queues the steps of a call in order, stopping at the first error
// (a sticky one, or the pool's).
func inTurn(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// convScratch is the pooled tensors a call lends its commands (see
// scratch in tensor.go): got before queuing them, put back right after.
type convScratch []*Tensor

// scratchTensors lends a tensor of each shape from the pool.
func (be *Backend) scratchTensors(op string, shapes ...backend.Shape) (convScratch, error) {
	s := make(convScratch, 0, len(shapes))
	for _, sh := range shapes {
		t, err := be.New(sh)
		if err != nil {
			s.release(be)
			return nil, fmt.Errorf("gl: %s: scratch: %w", op, err)
		}
		s = append(s, t.(*Tensor))
	}
	return s, nil
}

func (s convScratch) release(be *Backend) {
	for _, t := range s {
		be.Release(t)
	}
}

// groupGrid is the 2-D dispatch of one work group per item, in rows of at
// most MaxGroups.
func groupGrid(items int) (gx, gy int) {
	gx = max(1, min(items, glrt.MaxGroups))
	return gx, (max(1, items) + gx - 1) / gx
}

// grid is the 2-D dispatch of one WG-wide work group per WG elements of n
// (grid_index in common.glsl): rows of at most MaxGroups groups, so that
// every element has its own invocation.
func grid(n int) (gx, gy int) { return groupGrid((n + glrt.WorkGroup - 1) / glrt.WorkGroup) }

// setConv sets the geometry uniforms of im2col.comp and col2im.comp.
func setConv(p *glrt.Program, g backend.Conv2D, first, images int) {
	p.SetInt("channels", g.C)
	p.SetInt("height", g.H)
	p.SetInt("width", g.W)
	p.SetInt("kh", g.KH)
	p.SetInt("kw", g.KW)
	p.SetInt("stride", g.Stride)
	p.SetInt("pad", g.Pad)
	p.SetInt("oh", g.OutH())
	p.SetInt("ow", g.OutW())
	p.SetInt("first", first)
	p.SetInt("images", images)
}

// im2col dispatches im2col.comp for images first … first+images−1 of x
// into cols; it runs on the GL thread.
func (be *Backend) im2col(g backend.Conv2D, first, images int, x, cols glrt.Arg) error {
	p, err := be.program("im2col.comp")
	if err != nil {
		return err
	}
	setConv(p, g, first, images)
	gx, gy := grid(g.Patch() * images * g.OutH() * g.OutW())
	return be.dev.Dispatch(p, gx, gy, 1, x, cols)
}

// col2im dispatches col2im.comp, setting rows first … first+images−1 of
// dx from dcols; it runs on the GL thread.
func (be *Backend) col2im(g backend.Conv2D, first, images int, dcols, dx glrt.Arg) error {
	p, err := be.program("col2im.comp")
	if err != nil {
		return err
	}
	setConv(p, g, first, images)
	gx, gy := grid(images * g.In())
	return be.dev.Dispatch(p, gx, gy, 1, dcols, dx)
}

// permute dispatches conv2d_permute.comp for images first …
// first+images−1 of K·P outputs: to the filter-major dst from the rows of
// src, or back into the rows of dst adding bias; it runs on the GL thread.
func (be *Backend) permute(K, P, first, images int, toFilterMajor bool, src, bias, dst glrt.Arg) error {
	p, err := be.program("conv2d_permute.comp")
	if err != nil {
		return err
	}
	p.SetInt("filters", K)
	p.SetInt("pixels", P)
	p.SetInt("first", first)
	p.SetInt("images", images)
	p.SetInt("to_filter_major", boolInt(toFilterMajor))
	gx, gy := grid(images * K * P)
	return be.dev.Dispatch(p, gx, gy, 1, src, bias, dst)
}
