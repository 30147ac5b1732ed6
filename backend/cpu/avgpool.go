package cpu

import "gltrain/backend"

var _ backend.AvgPooler = (*Backend)(nil)

// AvgPool2DForward sets y to each window's mean (see backend.AvgPooler).
func (be *Backend) AvgPool2DForward(p backend.Pool2D, y, x backend.Tensor) error {
	if err := backend.Check(be).AvgPool2DForward(p, y, x); err != nil {
		return err
	}
	yd, xd := y.(*Tensor).data, x.(*Tensor).data
	parallelFor(x.Shape().Rows*p.C, p.OutH()*p.OutW()*p.KH*p.KW, func(lo, hi int) {
		avgPoolForward(p, yd, xd, lo, hi)
	})
	return nil
}

// avgPoolForward computes the planes lo to hi (image s, channel c at
// s·C + c), summing each window in row-major order in float64:
//
//	y[q,oy,ox] = Σ_{i<KH, j<KW} x[q, oy·S+i, ox·S+j] / (KH·KW)
func avgPoolForward(p backend.Pool2D, y, x []float32, lo, hi int) {
	OH, OW, area := p.OutH(), p.OutW(), float64(p.KH*p.KW)
	for q := lo; q < hi; q++ {
		in, out := x[q*p.H*p.W:(q+1)*p.H*p.W], y[q*OH*OW:(q+1)*OH*OW]
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				var s float64
				for i := 0; i < p.KH; i++ {
					for _, v := range in[(oy*p.Stride+i)*p.W+ox*p.Stride:][:p.KW] {
						s += float64(v)
					}
				}
				out[oy*OW+ox] = float32(s / area)
			}
		}
	}
}

// AvgPool2DBackward spreads dy evenly over the windows (see
// backend.AvgPooler).
func (be *Backend) AvgPool2DBackward(p backend.Pool2D, dx, dy backend.Tensor) error {
	if err := backend.Check(be).AvgPool2DBackward(p, dx, dy); err != nil {
		return err
	}
	dxd, dyd := dx.(*Tensor).data, dy.(*Tensor).data
	parallelFor(dx.Shape().Rows*p.C, p.H*p.W*p.KH*p.KW, func(lo, hi int) {
		avgPoolBackward(p, dxd, dyd, lo, hi)
	})
	return nil
}

// avgPoolBackward computes the planes lo to hi of dx, a gather: each
// element sums dy over the windows that hold it, in row-major order, in
// float64, then divides by KH·KW (what avg_pool2d_backward.comp does).
func avgPoolBackward(p backend.Pool2D, dx, dy []float32, lo, hi int) {
	OH, OW, area := p.OutH(), p.OutW(), float64(p.KH*p.KW)
	for q := lo; q < hi; q++ {
		g, out := dy[q*OH*OW:(q+1)*OH*OW], dx[q*p.H*p.W:(q+1)*p.H*p.W]
		for h := 0; h < p.H; h++ {
			y0, y1 := windowsOver(h, p.KH, p.Stride, OH)
			for v := 0; v < p.W; v++ {
				x0, x1 := windowsOver(v, p.KW, p.Stride, OW)
				var s float64
				for oy := y0; oy < y1; oy++ {
					for ox := x0; ox < x1; ox++ {
						s += float64(g[oy*OW+ox])
					}
				}
				out[h*p.W+v] = float32(s / area)
			}
		}
	}
}

// windowsOver returns the windows [lo, hi) along one axis of out windows
// of k moved by s that hold position h: lo = ⌈(h−k+1)/s⌉ clipped to 0,
// hi = ⌊h/s⌋ + 1 clipped to out. At most ⌈k/s⌉ windows.
func windowsOver(h, k, s, out int) (lo, hi int) {
	if d := h - k + 1; d > 0 {
		lo = (d + s - 1) / s
	}
	return lo, min(h/s+1, out)
}
