package cpu_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"gltrain/backend"
	"gltrain/backend/cpu"
)

// TestConvSameBitsAnyCores: the convolutions give the same bits on 1, 2 or
// 3 cores, with OpenBLAS and with gonum's Sgemm. The images are spread over
// the cores, but each image's product runs on one thread, and the filter
// gradient adds its images in fixed slabs (convSlabs) whatever the
// workers. The batches are large enough to run in parallel; 40 images make
// slabs of two and three, and the second shape is the MNIST net's second
// convolution, whose products are past blas.SerialBelow.
func TestConvSameBitsAnyCores(t *testing.T) {
	for _, lib := range []string{"", "gonum"} {
		b := cpu.NewWithOptions(cpu.Options{BLAS: lib})
		for i, tc := range []struct {
			n int
			g backend.Conv2D
		}{
			{40, backend.Conv2D{C: 3, H: 12, W: 10, K: 8, KH: 3, KW: 3, Stride: 1, Pad: 1}},
			{20, backend.Conv2D{C: 32, H: 13, W: 13, K: 64, KH: 3, KW: 3, Stride: 1}},
		} {
			t.Run(fmt.Sprintf("%s %d", b.Device().Products, i), func(t *testing.T) {
				var want [][]float32
				for _, procs := range []int{1, 2, 3} {
					got := convOnCores(t, b, procs, tc.n, tc.g, uint64(i))
					if want == nil {
						want = got
						continue
					}
					for j, what := range []string{"y", "dx", "dw", "db"} {
						for e := range want[j] {
							if g, w := got[j][e], want[j][e]; math.Float32bits(g) != math.Float32bits(w) {
								t.Errorf("GOMAXPROCS %d: %s[%d] = %g, on one core %g", procs, what, e, g, w)
								break
							}
						}
					}
				}
			})
		}
	}
}

// convOnCores runs the three convolution kernels with GOMAXPROCS procs on
// seeded inputs and returns y, dx, dw and db.
func convOnCores(t *testing.T, b backend.Backend, procs, n int, g backend.Conv2D, seed uint64) [][]float32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	up := seededUploader(t, b, seed)
	x, w, bias, dy := up(n, g.In(), 1), up(g.K, g.Patch(), 2), up(1, g.K, 3), up(n, g.Out(), 4)
	y, dx, dw, db := up(n, g.Out(), 5), up(n, g.In(), 6), up(g.K, g.Patch(), 7), up(1, g.K, 8)
	cv := b.(backend.Convolver)
	for _, err := range []error{
		cv.Conv2DForward(g, y, x, w, bias),
		cv.Conv2DBackwardData(g, dx, dy, w),
		cv.Conv2DBackwardFilter(g, dw, db, x, dy),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return toHostAll(t, b, y, dx, dw, db)
}
