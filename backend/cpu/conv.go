package cpu

import (
	"math"

	"gltrain/backend"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

var _ backend.Convolver = (*Backend)(nil)

// The convolution runs image by image, as products on the backend's BLAS
// through im2col. The patches of one image are the columns of a Patch×P
// matrix cols (P = OutH·OutW output pixels), and an image's row of NCHW
// values is a K×P matrix, K filters by P pixels, so that
//
//	y_s (K×P)         = W (K×Patch) · cols_s + b
//	dcols_s (Patch×P) = Wᵀ · dy_s
//	dW (K×Patch)      = Σ_s dy_s · cols_sᵀ
//
// with no permutation of the outputs. The images are spread over the
// cores, each worker with a cols buffer of its own, small enough to stay in
// cache, and each product runs on its worker's thread (SgemmSerial) rather
// than on all the library's. dW sums the images in convSlabs fixed slabs:
// each slab's products accumulate into a partial of its own in image
// order, and the partials are added in slab order. So every result has the
// same bits whatever the number of cores. (The GL backend moves whole batches
// through im2col.comp, the product and conv2d_permute.comp instead.)

// convSlabs is the most slabs Conv2DBackwardFilter splits a batch into:
// enough for 16 cores, and few enough that the partials (16·K·Patch floats)
// cost little to add.
const convSlabs = 16

// Conv2DForward computes y = conv(x, w) + b (see backend.Convolver).
func (be *Backend) Conv2DForward(g backend.Conv2D, y, x, w, b backend.Tensor) error {
	if err := backend.Check(be).Conv2DForward(g, y, x, w, b); err != nil {
		return err
	}
	xt := x.(*Tensor)
	yd, xd, wd, bd := y.(*Tensor).data, xt.data, w.(*Tensor).data, b.(*Tensor).data
	n, P, patch := xt.shape.Rows, g.OutH()*g.OutW(), g.Patch()
	workers := parallelWorkers(n, g.K*P*patch)
	cols, err := be.scratch(workers * patch * P)
	if err != nil {
		return err
	}
	defer be.Release(cols)
	parallelForW(n, workers, func(wk, lo, hi int) {
		c := cols.data[wk*patch*P : (wk+1)*patch*P]
		for s := lo; s < hi; s++ {
			ys := yd[s*g.Out() : (s+1)*g.Out()]
			im2col(g, c, xd[s*g.In():(s+1)*g.In()])
			be.sgemm(false, false, g.K, P, patch, wd, c, 0, ys)
			for k, bk := range bd {
				for p := range ys[k*P : (k+1)*P] {
					ys[k*P+p] += bk
				}
			}
		}
	})
	return nil
}

// Conv2DBackwardData computes dx from dy and w (see backend.Convolver).
func (be *Backend) Conv2DBackwardData(g backend.Conv2D, dx, dy, w backend.Tensor) error {
	if err := backend.Check(be).Conv2DBackwardData(g, dx, dy, w); err != nil {
		return err
	}
	dxt := dx.(*Tensor)
	dxd, dyd, wd := dxt.data, dy.(*Tensor).data, w.(*Tensor).data
	n, P, patch := dxt.shape.Rows, g.OutH()*g.OutW(), g.Patch()
	workers := parallelWorkers(n, g.K*P*patch)
	dcols, err := be.scratch(workers * patch * P)
	if err != nil {
		return err
	}
	defer be.Release(dcols)
	parallelForW(n, workers, func(wk, lo, hi int) {
		dc := dcols.data[wk*patch*P : (wk+1)*patch*P]
		for s := lo; s < hi; s++ {
			be.sgemm(true, false, patch, P, g.K, wd, dyd[s*g.Out():(s+1)*g.Out()], 0, dc)
			col2im(g, dxd[s*g.In():(s+1)*g.In()], dc)
		}
	})
	return nil
}

// Conv2DBackwardFilter computes dw and db from x and dy (see
// backend.Convolver).
func (be *Backend) Conv2DBackwardFilter(g backend.Conv2D, dw, db, x, dy backend.Tensor) error {
	if err := backend.Check(be).Conv2DBackwardFilter(g, dw, db, x, dy); err != nil {
		return err
	}
	xt := x.(*Tensor)
	dwd, dbd, xd, dyd := dw.(*Tensor).data, db.(*Tensor).data, xt.data, dy.(*Tensor).data
	n, P, patch := xt.shape.Rows, g.OutH()*g.OutW(), g.Patch()
	conv2DBiasBackward(dbd, dyd, n, P)
	slabs := min(n, convSlabs)
	if slabs == 0 {
		clear(dwd)
		return nil
	}
	workers := parallelWorkers(slabs, n/slabs*g.K*P*patch)
	cols, err := be.scratch(workers * patch * P)
	if err != nil {
		return err
	}
	defer be.Release(cols)
	parts := dwd // one slab sums straight into dw
	if slabs > 1 {
		pt, err := be.scratch(slabs * len(dwd))
		if err != nil {
			return err
		}
		defer be.Release(pt)
		parts = pt.data
	}
	parallelForW(slabs, workers, func(wk, lo, hi int) {
		c := cols.data[wk*patch*P : (wk+1)*patch*P]
		for sl := lo; sl < hi; sl++ {
			part := parts[sl*len(dwd) : (sl+1)*len(dwd)]
			first, last := sl*n/slabs, (sl+1)*n/slabs
			for s := first; s < last; s++ {
				im2col(g, c, xd[s*g.In():(s+1)*g.In()])
				beta := float32(1)
				if s == first {
					beta = 0
				}
				be.sgemm(false, true, g.K, patch, P, dyd[s*g.Out():(s+1)*g.Out()], c, beta, part)
			}
		}
	})
	if slabs > 1 {
		parallelFor(len(dwd), slabs, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				v := parts[i]
				for sl := 1; sl < slabs; sl++ {
					v += parts[sl*len(dwd)+i]
				}
				dwd[i] = v
			}
		})
	}
	return nil
}

// scratch lends a flat tensor of n elements from the pool.
func (be *Backend) scratch(n int) (*Tensor, error) {
	t, err := be.New(backend.Shape{Rows: 1, Cols: max(n, 1)})
	if err != nil {
		return nil, err
	}
	return t.(*Tensor), nil
}

// sgemm sets c (m×n) = op(a)·op(b) + beta·c, row-major and packed: op(a) is
// m×k, op(b) is k×n, on the backend's BLAS as gemm does, but on the calling
// thread alone (SgemmSerial): the convolutions run one product per image
// on each core.
func (be *Backend) sgemm(tA, tB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	if be.blas != nil && m*n*k >= be.gemmMin {
		be.blas.SgemmSerial(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
		return
	}
	ga := blas32.General{Rows: m, Cols: k, Stride: lda, Data: a}
	if tA {
		ga.Rows, ga.Cols = k, m
	}
	gb := blas32.General{Rows: k, Cols: n, Stride: ldb, Data: b}
	if tB {
		gb.Rows, gb.Cols = n, k
	}
	tr := func(t bool) blas.Transpose {
		if t {
			return blas.Trans
		}
		return blas.NoTrans
	}
	blas32.Gemm(tr(tA), tr(tB), 1, ga, gb, beta, blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// im2colGo writes the patches of one image x (C·H·W) into cols (Patch×P):
// row r = (c·KH + i)·KW + j, column oy·OW + ox,
//
//	cols[r, oy·OW+ox] = x[c, oy·S+i−P, ox·S+j−P]   (0 outside the image)
//
// im2col runs it, in C for stride 1 where the build has cgo on amd64.
func im2colGo(g backend.Conv2D, cols, x []float32) {
	OH, OW := g.OutH(), g.OutW()
	P := OH * OW
	for r := range g.Patch() {
		c, i, j := r/(g.KH*g.KW), r/g.KW%g.KH, r%g.KW
		// The outputs ox whose column v = ox·S + j − Pad is in the image.
		ox0 := max(0, (g.Pad-j+g.Stride-1)/g.Stride)
		ox1 := min(OW, (g.W+g.Pad-j+g.Stride-1)/g.Stride)
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		out := cols[r*P : (r+1)*P]
		for oy := 0; oy < OH; oy++ {
			h := oy*g.Stride + i - g.Pad
			line := out[oy*OW : (oy+1)*OW]
			if h < 0 || h >= g.H || ox0 >= ox1 {
				clear(line)
				continue
			}
			clear(line[:ox0])
			clear(line[ox1:])
			src := plane[h*g.W : (h+1)*g.W]
			if g.Stride == 1 {
				copy(line[ox0:ox1], src[ox0+j-g.Pad:])
				continue
			}
			for ox := ox0; ox < ox1; ox++ {
				line[ox] = src[ox*g.Stride+j-g.Pad]
			}
		}
	}
}

// col2imGo sets one image's dx (C·H·W) from its dcols (Patch×P), the
// inverse of im2col:
//
//	dx[c,h,v] = Σ_{i,j : oy = (h+P−i)/S, ox = (v+P−j)/S whole and in range} dcols[(c·KH+i)·KW+j, oy·OW+ox]
//
// adding the terms of each element in (i, j) order, a fixed order, as the
// GL kernel's gather adds them. col2im runs it, in C for stride 1 where the
// build has cgo on amd64, to the same bits.
func col2imGo(g backend.Conv2D, dx, dcols []float32) {
	OH, OW := g.OutH(), g.OutW()
	P := OH * OW
	clear(dx)
	for c := range g.C {
		plane := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				r := (c*g.KH+i)*g.KW + j
				src := dcols[r*P : (r+1)*P]
				ox0 := max(0, (g.Pad-j+g.Stride-1)/g.Stride)
				ox1 := min(OW, (g.W+g.Pad-j+g.Stride-1)/g.Stride)
				if ox0 >= ox1 {
					continue
				}
				for oy := 0; oy < OH; oy++ {
					h := oy*g.Stride + i - g.Pad
					if h < 0 || h >= g.H {
						continue
					}
					dst, in := plane[h*g.W:(h+1)*g.W], src[oy*OW:(oy+1)*OW]
					if g.Stride == 1 {
						d := dst[ox0+j-g.Pad : ox1+j-g.Pad]
						for k, v := range in[ox0:ox1] {
							d[k] += v
						}
						continue
					}
					for ox := ox0; ox < ox1; ox++ {
						dst[ox*g.Stride+j-g.Pad] += in[ox]
					}
				}
			}
		}
	}
}

// conv2DBiasBackward sets db[k] to the sum of dy[s, k, p] over the n images
// s and P pixels p, in that order and in float64 (shaders/
// conv2d_bias_backward.comp sums in double too); the filters run in
// parallel.
func conv2DBiasBackward(db, dy []float32, n, P int) {
	K := len(db)
	parallelFor(K, n*P, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var sum float64
			for s := range n {
				for _, v := range dy[(s*K+k)*P : (s*K+k+1)*P] {
					sum += float64(v)
				}
			}
			db[k] = float32(sum)
		}
	})
}

// MaxPool2DForward sets y and arg to each window's maximum and its position
// (see backend.Convolver).
func (be *Backend) MaxPool2DForward(p backend.Pool2D, y, arg, x backend.Tensor) error {
	if err := backend.Check(be).MaxPool2DForward(p, y, arg, x); err != nil {
		return err
	}
	xt := x.(*Tensor)
	n := xt.shape.Rows
	yd, at, xd := y.(*Tensor).data, arg.(*Tensor).data, xt.data
	OH, OW := p.OutH(), p.OutW()
	parallelFor(n*p.C, OH*OW*p.KH*p.KW, func(lo, hi int) {
		if p.KH == 2 && p.KW == 2 && p.Stride == 2 {
			maxPool2x2Planes(xd[lo*p.H*p.W:hi*p.H*p.W], yd[lo*OH*OW:hi*OH*OW], at[lo*OH*OW:hi*OH*OW], hi-lo, p.H, p.W, OH, OW)
			return
		}
		maxPoolForward(p, yd, at, xd, lo, hi)
	})
	return nil
}

// maxPoolForward computes the planes lo to hi (image s, channel c at
// s·C + c): for each output pixel, the first maximum of its window in
// row-major order, or its first NaN.
func maxPoolForward(p backend.Pool2D, y, arg, x []float32, lo, hi int) {
	OH, OW := p.OutH(), p.OutW()
	for sc := lo; sc < hi; sc++ {
		in := x[sc*p.H*p.W : (sc+1)*p.H*p.W]
		out, at := y[sc*OH*OW:(sc+1)*OH*OW], arg[sc*OH*OW:(sc+1)*OH*OW]
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				best, bestAt := float32(math.Inf(-1)), -1
				for i := 0; i < p.KH; i++ {
					row := in[(oy*p.Stride+i)*p.W+ox*p.Stride:]
					for j, v := range row[:p.KW] {
						if bestAt < 0 || v > best || v != v && best == best {
							best, bestAt = v, i*p.KW+j
						}
					}
				}
				out[oy*OW+ox], at[oy*OW+ox] = best, float32(bestAt)
			}
		}
	}
}

// maxPool2x2PlanesGo is maxPoolForward's 2×2, stride 2 case, the usual one,
// on planes planes of h×w (out OH×OW); with cgo on amd64,
// maxPool2x2Planes runs it in C with AVX2, to the same bits.
func maxPool2x2PlanesGo(in, out, at []float32, planes, h, w, OH, OW int) {
	for pl := range planes {
		maxPool2x2(in[pl*h*w:(pl+1)*h*w], out[pl*OH*OW:(pl+1)*OH*OW], at[pl*OH*OW:(pl+1)*OH*OW], w, OH, OW)
	}
}

// maxPool2x2 is the 2×2, stride 2 pool of one plane of width w: the
// comparisons of maxPoolForward in the same order, unrolled, and without
// branches on the data. A window's maximum after a ReLU is a coin toss
// between its values, so a branch per comparison is mispredicted about
// half the time: on 128×32 planes of 26×26 ReLU outputs the branching loop
// took 7.1 ms on one core, this one 3.6 ms. v replaces best when
// best == best && !(v <= best): v > best, or v is NaN and best is not.
func maxPool2x2(in, out, at []float32, w, OH, OW int) {
	for oy := 0; oy < OH; oy++ {
		r0, r1 := in[2*oy*w:2*oy*w+2*OW], in[(2*oy+1)*w:(2*oy+1)*w+2*OW]
		o, a := out[oy*OW:(oy+1)*OW], at[oy*OW:(oy+1)*OW]
		for ox := range o {
			v0, v1, v2, v3 := r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1]
			bb, k := math.Float32bits(v0), uint32(0)
			m := -bit(v0 == v0 && !(v1 <= v0))
			bb ^= (bb ^ math.Float32bits(v1)) & m
			k ^= (k ^ 1) & m
			best := math.Float32frombits(bb)
			m = -bit(best == best && !(v2 <= best))
			bb ^= (bb ^ math.Float32bits(v2)) & m
			k ^= (k ^ 2) & m
			best = math.Float32frombits(bb)
			m = -bit(best == best && !(v3 <= best))
			bb ^= (bb ^ math.Float32bits(v3)) & m
			k ^= (k ^ 3) & m
			o[ox], a[ox] = math.Float32frombits(bb), float32(k)
		}
	}
}

// bit is 1 for true and 0 for false, which the compiler makes a SETcc, not
// a branch.
func bit(t bool) uint32 {
	var x uint32
	if t {
		x = 1
	}
	return x
}

// MaxPool2DBackward routes dy to the maxima (see backend.Convolver).
func (be *Backend) MaxPool2DBackward(p backend.Pool2D, dx, arg, dy backend.Tensor) error {
	if err := backend.Check(be).MaxPool2DBackward(p, dx, arg, dy); err != nil {
		return err
	}
	dxt := dx.(*Tensor)
	n := dxt.shape.Rows
	dxd, at, dyd := dxt.data, arg.(*Tensor).data, dy.(*Tensor).data
	OH, OW := p.OutH(), p.OutW()
	parallelFor(n*p.C, p.H*p.W, func(lo, hi int) {
		if p.KH == 2 && p.KW == 2 && p.Stride == 2 {
			maxPool2x2BackwardPlanes(dxd[lo*p.H*p.W:hi*p.H*p.W], at[lo*OH*OW:hi*OH*OW], dyd[lo*OH*OW:hi*OH*OW], hi-lo, p.H, p.W, OH, OW)
			return
		}
		maxPoolBackward(p, dxd, at, dyd, lo, hi)
	})
	return nil
}

// maxPool2x2BackwardPlanesGo is maxPoolBackward's 2×2, stride 2 case on
// planes planes of h×w (dy and at OH×OW): the windows do not overlap, so
// each element of dx is written once, 0 + dy where its window's maximum
// was and +0 elsewhere, the values maxPoolBackward's clear-and-add gives,
// without the clearing pass or a branch; the row and column no window
// covers (odd h or w) are +0. With cgo on amd64, maxPool2x2BackwardPlanes
// runs it in C with AVX2, to the same bits.
func maxPool2x2BackwardPlanesGo(dx, at, dy []float32, planes, h, w, OH, OW int) {
	for pl := range planes {
		plane, a, d := dx[pl*h*w:(pl+1)*h*w], at[pl*OH*OW:(pl+1)*OH*OW], dy[pl*OH*OW:(pl+1)*OH*OW]
		for oy := range OH {
			r0, r1 := plane[2*oy*w:(2*oy+1)*w], plane[(2*oy+1)*w:(2*oy+2)*w]
			for ox, k := range a[oy*OW : (oy+1)*OW] {
				g := math.Float32bits(0 + d[oy*OW+ox])
				r0[2*ox] = math.Float32frombits(g & -bit(k == 0))
				r0[2*ox+1] = math.Float32frombits(g & -bit(k == 1))
				r1[2*ox] = math.Float32frombits(g & -bit(k == 2))
				r1[2*ox+1] = math.Float32frombits(g & -bit(k == 3))
			}
			clear(r0[2*OW:])
			clear(r1[2*OW:])
		}
		clear(plane[2*OH*w:])
	}
}

// maxPoolBackward sets the planes lo to hi of dx: zero, then dy added at
// each window's maximum in row-major window order, so that an element the
// windows share sums its terms in the order of the GL kernel's gather.
func maxPoolBackward(p backend.Pool2D, dx, arg, dy []float32, lo, hi int) {
	OH, OW := p.OutH(), p.OutW()
	for sc := lo; sc < hi; sc++ {
		out := dx[sc*p.H*p.W : (sc+1)*p.H*p.W]
		at, d := arg[sc*OH*OW:(sc+1)*OH*OW], dy[sc*OH*OW:(sc+1)*OH*OW]
		clear(out)
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				k := int(at[oy*OW+ox])
				i, j := k/p.KW, k%p.KW
				out[(oy*p.Stride+i)*p.W+ox*p.Stride+j] += d[oy*OW+ox]
			}
		}
	}
}
