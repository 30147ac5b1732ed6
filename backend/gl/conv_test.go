package gl_test

import (
	"fmt"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// mnistConv2 is the second convolution of the MNIST CNN
// (conv:32:3,relu,maxpool:2,conv:64:3,…): 32 channels of 13×13 into 64 of
// 11×11.
var mnistConv2 = backend.Conv2D{C: 32, H: 13, W: 13, K: 64, KH: 3, KW: 3, Stride: 1, Pad: 0}

// BenchmarkConv2DMNIST times the three passes of mnistConv2 on a batch of
// 128, on the CPU and GL backends side by side; each pass is 2·n·K·P·Patch
// flops (P = 121 output pixels, Patch = 288), 0.57 GFLOP. GL iterations end
// with Sync, so the time is the device's. On llvmpipe the GL figure is the
// CPU running shaders, nothing like a GPU's.
func BenchmarkConv2DMNIST(b *testing.B) {
	const n = 128
	g := mnistConv2
	flops := 2 * float64(n) * float64(g.K) * float64(g.OutH()*g.OutW()) * float64(g.Patch())
	for _, name := range []string{"cpu", "gl"} {
		be := backendtest.Open(b, name)
		cv, ok := be.(backend.Convolver)
		if !ok {
			b.Fatalf("%s: no Convolver", name)
		}
		newT := func(s backend.Shape, seed uint64) backend.Tensor {
			t, err := backend.FromData(be, s, backend.NormalData(s.Len(), seed, 0, 1))
			if err != nil {
				b.Fatal(err)
			}
			return t
		}
		x, w, bias := newT(backend.Shape{Rows: n, Cols: g.In()}, 1), newT(backend.Shape{Rows: g.K, Cols: g.Patch()}, 2), newT(backend.Shape{Rows: 1, Cols: g.K}, 3)
		y, dy := newT(backend.Shape{Rows: n, Cols: g.Out()}, 4), newT(backend.Shape{Rows: n, Cols: g.Out()}, 5)
		dx, dw, db := newT(x.Shape(), 6), newT(w.Shape(), 7), newT(bias.Shape(), 8)
		for _, pass := range []struct {
			name string
			run  func() error
		}{
			{"forward", func() error { return cv.Conv2DForward(g, y, x, w, bias) }},
			{"backward-data", func() error { return cv.Conv2DBackwardData(g, dx, dy, w) }},
			{"backward-filter", func() error { return cv.Conv2DBackwardFilter(g, dw, db, x, dy) }},
		} {
			b.Run(fmt.Sprintf("%s/%s/b%d/%dx%dx%d-%dx%dx%d", name, pass.name, n, g.C, g.H, g.W, g.K, g.KH, g.KW), func(b *testing.B) {
				if err := pass.run(); err != nil { // compile, tune and fill the pool outside the timing
					b.Fatal(err)
				}
				if err := be.Sync(); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if err := pass.run(); err != nil {
						b.Fatal(err)
					}
					if err := be.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		for _, t := range []backend.Tensor{x, w, bias, y, dy, dx, dw, db} {
			be.Release(t)
		}
	}
}
