package cpu

import (
	"math"

	"gltrain/backend"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

var _ backend.Convolver = (*Backend)(nil)

// The convolution runs as products on the backend's BLAS, through im2col:
// the patches of a batch of n images are the columns of a Patch×(n·P)
// matrix (P = OutH·OutW output pixels per image), so that
//
//	Y' (K×n·P)        = W (K×Patch) · cols
//	dcols (Patch×n·P) = Wᵀ · dY'
//	dW (K×Patch)      = dY' · colsᵀ
//
// where Y' holds the outputs filter-major (Y'[k, s·P+p] = y[s, k·P+p]); the
// images' rows are permuted to and from it.

// Conv2DForward computes y = conv(x, w) + b (see backend.Convolver).
func (be *Backend) Conv2DForward(g backend.Conv2D, y, x, w, b backend.Tensor) error {
	const op = "conv2d forward"
	var t [4]*Tensor
	if err := be.tensors(op, t[:], y, x, w, b); err != nil {
		return err
	}
	if err := backend.CheckConv2D(op, g, x, w, b, y); err != nil {
		return err
	}
	n, P := t[1].shape.Rows, g.OutH()*g.OutW()
	cols, yp, err := be.scratch2(g.Patch()*n*P, g.K*n*P)
	if err != nil {
		return err
	}
	defer be.release(cols, yp)
	im2col(g, cols.data, t[1].data, n)
	be.sgemm(false, false, g.K, n*P, g.Patch(), t[2].data, cols.data, yp.data)
	fromFilterMajor(t[0].data, yp.data, t[3].data, n, g.K, P)
	return nil
}

// Conv2DBackwardData computes dx from dy and w (see backend.Convolver).
func (be *Backend) Conv2DBackwardData(g backend.Conv2D, dx, dy, w backend.Tensor) error {
	const op = "conv2d backward data"
	var t [3]*Tensor
	if err := be.tensors(op, t[:], dx, dy, w); err != nil {
		return err
	}
	if err := backend.CheckConv2D(op, g, dx, w, nil, dy); err != nil {
		return err
	}
	n, P := t[0].shape.Rows, g.OutH()*g.OutW()
	dcols, dyp, err := be.scratch2(g.Patch()*n*P, g.K*n*P)
	if err != nil {
		return err
	}
	defer be.release(dcols, dyp)
	toFilterMajor(dyp.data, t[1].data, n, g.K, P)
	be.sgemm(true, false, g.Patch(), n*P, g.K, t[2].data, dyp.data, dcols.data)
	col2im(g, t[0].data, dcols.data, n)
	return nil
}

// Conv2DBackwardFilter computes dw and db from x and dy (see
// backend.Convolver).
func (be *Backend) Conv2DBackwardFilter(g backend.Conv2D, dw, db, x, dy backend.Tensor) error {
	const op = "conv2d backward filter"
	var t [4]*Tensor
	if err := be.tensors(op, t[:], dw, db, x, dy); err != nil {
		return err
	}
	if err := backend.CheckConv2D(op, g, x, dw, db, dy); err != nil {
		return err
	}
	n, P := t[2].shape.Rows, g.OutH()*g.OutW()
	cols, dyp, err := be.scratch2(g.Patch()*n*P, g.K*n*P)
	if err != nil {
		return err
	}
	defer be.release(cols, dyp)
	im2col(g, cols.data, t[2].data, n)
	toFilterMajor(dyp.data, t[3].data, n, g.K, P)
	be.sgemm(false, true, g.K, g.Patch(), n*P, dyp.data, cols.data, t[0].data)
	conv2DBiasBackward(t[1].data, dyp.data, n*P)
	return nil
}

// scratch2 lends two flat tensors of a and b elements from the pool.
func (be *Backend) scratch2(a, b int) (*Tensor, *Tensor, error) {
	ta, err := be.New(backend.Shape{Rows: 1, Cols: max(a, 1)})
	if err != nil {
		return nil, nil, err
	}
	tb, err := be.New(backend.Shape{Rows: 1, Cols: max(b, 1)})
	if err != nil {
		be.Release(ta)
		return nil, nil, err
	}
	return ta.(*Tensor), tb.(*Tensor), nil
}

func (be *Backend) release(ts ...*Tensor) {
	for _, t := range ts {
		be.Release(t)
	}
}

// sgemm sets c (m×n) = op(a)·op(b), row-major and packed: op(a) is m×k,
// op(b) is k×n, on the backend's BLAS as gemm does.
func (be *Backend) sgemm(tA, tB bool, m, n, k int, a, b, c []float32) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	if be.blas != nil && m*n*k >= be.gemmMin {
		be.blas.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
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
	blas32.Gemm(tr(tA), tr(tB), 1, ga, gb, 0, blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// im2col writes the patches of the n images of x (n×In) into cols
// (Patch×n·P): row r = (c·KH + i)·KW + j, column s·P + oy·OW + ox,
//
//	cols[r, s·P+oy·OW+ox] = x[s, c, oy·S+i−P, ox·S+j−P]   (0 outside the image)
func im2col(g backend.Conv2D, cols, x []float32, n int) {
	OH, OW := g.OutH(), g.OutW()
	P := OH * OW
	parallelFor(g.Patch(), n*P, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c, i, j := r/(g.KH*g.KW), r/g.KW%g.KH, r%g.KW
			// The outputs ox whose column v = ox·S + j − Pad is in the image.
			ox0 := max(0, (g.Pad-j+g.Stride-1)/g.Stride)
			ox1 := min(OW, (g.W+g.Pad-j+g.Stride-1)/g.Stride)
			row := cols[r*n*P : (r+1)*n*P]
			for s := 0; s < n; s++ {
				plane := x[s*g.In()+c*g.H*g.W : s*g.In()+(c+1)*g.H*g.W]
				out := row[s*P : (s+1)*P]
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
	})
}

// col2im sets dx (n×In) from dcols (Patch×n·P), the inverse of im2col:
//
//	dx[s,c,h,v] = Σ_{i,j : oy = (h+P−i)/S, ox = (v+P−j)/S whole and in range} dcols[(c·KH+i)·KW+j, s·P+oy·OW+ox]
//
// Each plane (s, c) is its own, so planes run in parallel; within one the
// terms are added in (i, j) order, a fixed order, as the GL kernel's gather
// adds them.
func col2im(g backend.Conv2D, dx, dcols []float32, n int) {
	OH, OW := g.OutH(), g.OutW()
	P := OH * OW
	parallelFor(n*g.C, g.H*g.W*g.KH*g.KW, func(lo, hi int) {
		for sc := lo; sc < hi; sc++ {
			s, c := sc/g.C, sc%g.C
			plane := dx[s*g.In()+c*g.H*g.W : s*g.In()+(c+1)*g.H*g.W]
			clear(plane)
			for i := 0; i < g.KH; i++ {
				for j := 0; j < g.KW; j++ {
					r := (c*g.KH+i)*g.KW + j
					src := dcols[r*n*P+s*P : r*n*P+(s+1)*P]
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
	})
}

// fromFilterMajor sets y[s, k·P+p] = yp[k, s·P+p] + b[k]; y is n×K·P.
func fromFilterMajor(y, yp, b []float32, n, K, P int) {
	parallelFor(n, K*P, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for k := 0; k < K; k++ {
				dst, src, bk := y[s*K*P+k*P:s*K*P+(k+1)*P], yp[k*n*P+s*P:k*n*P+(s+1)*P], b[k]
				for p, v := range src {
					dst[p] = v + bk
				}
			}
		}
	})
}

// toFilterMajor sets yp[k, s·P+p] = y[s, k·P+p].
func toFilterMajor(yp, y []float32, n, K, P int) {
	parallelFor(K, n*P, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			for s := 0; s < n; s++ {
				copy(yp[k*n*P+s*P:k*n*P+(s+1)*P], y[s*K*P+k*P:s*K*P+(k+1)*P])
			}
		}
	})
}

// conv2DBiasBackward sets db[k] to the sum of row k of dY' (K×cols), the
// bias gradient, in float64 (shaders/conv2d_bias_backward.comp sums in
// double too).
func conv2DBiasBackward(db, m []float32, cols int) {
	for k := range db {
		var s float64
		for _, v := range m[k*cols : (k+1)*cols] {
			s += float64(v)
		}
		db[k] = float32(s)
	}
}

// MaxPool2DForward sets y and arg to each window's maximum and its position
// (see backend.Convolver).
func (be *Backend) MaxPool2DForward(p backend.Pool2D, y, arg, x backend.Tensor) error {
	const op = "maxpool2d forward"
	var t [3]*Tensor
	if err := be.tensors(op, t[:], y, arg, x); err != nil {
		return err
	}
	if err := backend.CheckPool2D(op, p, x, y, arg); err != nil {
		return err
	}
	n := t[2].shape.Rows
	parallelFor(n*p.C, p.Out()/p.C*p.KH*p.KW, func(lo, hi int) {
		maxPoolForward(p, t[0].data, t[1].data, t[2].data, lo, hi)
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
		if p.KH == 2 && p.KW == 2 && p.Stride == 2 {
			maxPool2x2(in, out, at, p.W, OH, OW)
			continue
		}
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

// maxPool2x2 is maxPoolForward's 2×2, stride 2 case, the usual one, on one
// plane of width w: the same comparisons in the same order, unrolled.
func maxPool2x2(in, out, at []float32, w, OH, OW int) {
	for oy := 0; oy < OH; oy++ {
		r0, r1 := in[2*oy*w:2*oy*w+2*OW], in[(2*oy+1)*w:(2*oy+1)*w+2*OW]
		o, a := out[oy*OW:(oy+1)*OW], at[oy*OW:(oy+1)*OW]
		for ox := range o {
			v0, v1, v2, v3 := r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1]
			best, k := v0, float32(0)
			if v1 > best || v1 != v1 && best == best {
				best, k = v1, 1
			}
			if v2 > best || v2 != v2 && best == best {
				best, k = v2, 2
			}
			if v3 > best || v3 != v3 && best == best {
				best, k = v3, 3
			}
			o[ox], a[ox] = best, k
		}
	}
}

// MaxPool2DBackward routes dy to the maxima (see backend.Convolver).
func (be *Backend) MaxPool2DBackward(p backend.Pool2D, dx, arg, dy backend.Tensor) error {
	const op = "maxpool2d backward"
	var t [3]*Tensor
	if err := be.tensors(op, t[:], dx, arg, dy); err != nil {
		return err
	}
	if err := backend.CheckPool2D(op, p, dx, dy, arg); err != nil {
		return err
	}
	n := t[0].shape.Rows
	parallelFor(n*p.C, p.H*p.W, func(lo, hi int) {
		maxPoolBackward(p, t[0].data, t[1].data, t[2].data, lo, hi)
	})
	return nil
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
