package gl

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// convTol is the conformance suite's: each output sums up to a few hundred
// float32 products in the order the product kernel chooses, ~2e-5 of
// Σ|terms| at worst (backendtest convTol); db is summed in double, so 1e-5
// of |db| is ample.
var (
	convTol = backendtest.Tol{ATol: 1e-6, RTol: 3e-5}
	biasTol = backendtest.Tol{ATol: 1e-6, RTol: 1e-5}
)

// guarded returns a new tensor whose whole pooled buffer holds sentinel, so
// that checkGuard finds any write past the tensor's end.
func guarded(t *testing.T, b *Backend, s backend.Shape) *Tensor {
	t.Helper()
	z, err := b.New(s)
	if err != nil {
		t.Fatal(err)
	}
	gt := z.(*Tensor)
	fill := make([]float32, gt.capacity)
	for i := range fill {
		fill[i] = sentinel
	}
	if err := b.call("guard", func() error { return b.dev.Upload(gt.buf, 0, fill) }); err != nil {
		t.Fatal(err)
	}
	return gt
}

const sentinel = float32(-12345.5)

// checkGuard downloads gt's whole buffer: the tensor's elements, and an
// error if anything past them is not the sentinel.
func checkGuard(t *testing.T, b *Backend, name string, gt *Tensor) []float32 {
	t.Helper()
	full := make([]float32, gt.capacity)
	if err := b.call("read", func() error { return b.dev.Download(full, gt.buf, 0) }); err != nil {
		t.Fatal(err)
	}
	for i := gt.shape.Len(); i < gt.capacity; i++ {
		if full[i] != sentinel {
			t.Errorf("%s (%v, capacity %d): element %d past the end overwritten with %v", name, gt.shape, gt.capacity, i, full[i])
			break
		}
	}
	return full[:gt.shape.Len()]
}

// TestConvChunksAndTrees runs the three convolution passes where the
// conformance geometries do not reach: batches split into chunks of images
// (convChunkElems lowered, so that dw adds over chunks and y and dx are
// written a chunk of rows at a time), and a bias gradient of more than
// 4096 terms a filter (a tree of two levels). The outputs are checked
// against the float64 oracle and for writes past their ends, and the
// chunked run against the whole-batch one.
func TestConvChunksAndTrees(t *testing.T) {
	b := openForTest(t)
	saved := convChunkElems
	defer func() { convChunkElems = saved }()
	for i, c := range []struct {
		n      int
		g      backend.Conv2D
		chunks []int // images a chunk; 0 for the whole batch
	}{
		{3, backend.Conv2D{C: 2, H: 40, W: 37, K: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}, []int{0, 2, 1}},
		{5, backend.Conv2D{C: 3, H: 9, W: 10, K: 4, KH: 4, KW: 3, Stride: 2, Pad: 2}, []int{0, 2}},
	} {
		x := backend.NormalData(c.n*c.g.In(), uint64(i)+1, 0, 1)
		w := backend.NormalData(c.g.K*c.g.Patch(), uint64(i)+2, 0, 1)
		bias := backend.NormalData(c.g.K, uint64(i)+3, 0, 1)
		dy := backend.NormalData(c.n*c.g.Out(), uint64(i)+4, 0, 1)
		y, ys, dx, dxs, dw, dws, db := backendtest.ConvOracle(c.g, c.n, x, w, bias, dy)
		var whole [][]float32
		for _, images := range c.chunks {
			t.Run(fmt.Sprintf("%d %v n=%d chunk=%d", i, c.g, c.n, images), func(t *testing.T) {
				convChunkElems = saved
				if images > 0 {
					convChunkElems = images * max(c.g.Patch(), c.g.K) * c.g.OutH() * c.g.OutW()
				}
				got := runConvPasses(t, b, c.g, c.n, x, w, bias, dy)
				for j, o := range []struct {
					name        string
					want, scale []float64
					tol         backendtest.Tol
				}{{"y", y, ys, convTol}, {"dx", dx, dxs, convTol}, {"dw", dw, dws, convTol}, {"db", db, nil, biasTol}} {
					s := backend.Shape{Rows: 1, Cols: len(o.want)}
					if msg := backendtest.DiffScaled(s, got[j], o.want, o.scale, o.tol); msg != "" {
						t.Errorf("%s: %s", o.name, msg)
					}
				}
				if images == 0 {
					whole = got
					return
				}
				// The chunks write the same y, dx and db bits (each element
				// one sum in a fixed order); dw adds the chunks' products.
				for j, name := range []string{"y", "dx", "", "db"} {
					if name != "" && !sameBits(got[j], whole[j]) {
						t.Errorf("%s: the chunked run differs from the whole batch's", name)
					}
				}
			})
		}
	}
}

// runConvPasses runs forward, backward data and backward filter on b into
// guarded outputs, and returns y, dx, dw and db.
func runConvPasses(t *testing.T, b *Backend, g backend.Conv2D, n int, x, w, bias, dy []float32) [][]float32 {
	t.Helper()
	up := func(s backend.Shape, data []float32) backend.Tensor {
		z, err := backend.FromData(b, s, data)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(z) })
		return z
	}
	xs, ws, bs, ys := shape(n, g.In()), shape(g.K, g.Patch()), shape(1, g.K), shape(n, g.Out())
	xt, wt, bt, dyt := up(xs, x), up(ws, w), up(bs, bias), up(ys, dy)
	outs := []*Tensor{guarded(t, b, ys), guarded(t, b, xs), guarded(t, b, ws), guarded(t, b, bs)}
	for _, o := range outs {
		t.Cleanup(func() { b.Release(o) })
	}
	for i, err := range []error{
		b.Conv2DForward(g, outs[0], xt, wt, bt),
		b.Conv2DBackwardData(g, outs[1], dyt, wt),
		b.Conv2DBackwardFilter(g, outs[2], outs[3], xt, dyt),
	} {
		if err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
	}
	got := make([][]float32, len(outs))
	for i, o := range outs {
		got[i] = checkGuard(t, b, []string{"y", "dx", "dw", "db"}[i], o)
	}
	return got
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestMaxPoolBeyondOneGridRow pools more elements than one row of the 2-D
// grid holds (65535 groups of 256): the backward pass's 16,793,600 inputs
// need a second row of work groups, and its last elements must be written.
func TestMaxPoolBeyondOneGridRow(t *testing.T) {
	if testing.Short() {
		t.Skip("pools 16.8M elements")
	}
	b := openForTest(t)
	p := backend.Pool2D{C: 1, H: 4100, W: 4096, KH: 2, KW: 2, Stride: 2}
	x := make([]float32, p.In())
	for i := range x {
		x[i] = float32(i % 4099) // a window's maximum is its last element but where the pattern wraps
	}
	dy := make([]float32, p.Out())
	for i := range dy {
		dy[i] = float32(i%5) + 1
	}
	_, arg, dx := backendtest.PoolOracle(p, 1, x, dy)
	xt, _ := backend.FromData(b, shape(1, p.In()), x)
	dyt, _ := backend.FromData(b, shape(1, p.Out()), dy)
	yt, _ := b.New(shape(1, p.Out()))
	argt, _ := b.New(shape(1, p.Out()))
	dxt, _ := b.New(shape(1, p.In()))
	defer func() {
		for _, z := range []backend.Tensor{xt, dyt, yt, argt, dxt} {
			b.Release(z)
		}
	}()
	if err := b.MaxPool2DForward(p, yt, argt, xt); err != nil {
		t.Fatal(err)
	}
	if err := b.MaxPool2DBackward(p, dxt, argt, dyt); err != nil {
		t.Fatal(err)
	}
	if gx, gy := grid(p.In()); gy < 2 {
		t.Fatalf("grid %d×%d: the case no longer needs a second row", gx, gy)
	}
	for _, o := range []struct {
		name string
		t    backend.Tensor
		want []float32
	}{{"arg", argt, arg}, {"dx", dxt, dx}} {
		got, err := backend.ToHost(b, o.t)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(got, o.want) {
			for i := range got {
				if got[i] != o.want[i] {
					t.Fatalf("%s[%d] = %v, want %v", o.name, i, got[i], o.want[i])
				}
			}
		}
	}
}

// TestConvSteadyState repeats a CNN layer's passes (convolution, pooling,
// forward and backward) with temporaries created and released as a graph
// would: after the first round the pool serves every scratch buffer.
func TestConvSteadyState(t *testing.T) {
	b := openForTest(t)
	const n = 3
	g := backend.Conv2D{C: 2, H: 12, W: 11, K: 4, KH: 3, KW: 3, Stride: 1, Pad: 1}
	p := backend.Pool2D{C: g.K, H: g.OutH(), W: g.OutW(), KH: 2, KW: 2, Stride: 2}
	x, _ := backend.FromData(b, shape(n, g.In()), backend.NormalData(n*g.In(), 1, 0, 1))
	w, _ := backend.FromData(b, shape(g.K, g.Patch()), backend.NormalData(g.K*g.Patch(), 2, 0, 1))
	bias, _ := backend.FromData(b, shape(1, g.K), backend.NormalData(g.K, 3, 0, 1))
	defer func() { b.Release(x); b.Release(w); b.Release(bias) }()
	step := func() {
		newT := func(s backend.Shape) backend.Tensor {
			z, err := b.New(s)
			if err != nil {
				t.Fatal(err)
			}
			return z
		}
		y, pooled, arg := newT(shape(n, g.Out())), newT(shape(n, p.Out())), newT(shape(n, p.Out()))
		dy, dx, dw, db := newT(shape(n, g.Out())), newT(shape(n, g.In())), newT(shape(g.K, g.Patch())), newT(shape(1, g.K))
		for i, err := range []error{
			b.Conv2DForward(g, y, x, w, bias),
			b.MaxPool2DForward(p, pooled, arg, y),
			b.MaxPool2DBackward(p, dy, arg, pooled),
			b.Conv2DBackwardData(g, dx, dy, w),
			b.Conv2DBackwardFilter(g, dw, db, x, dy),
		} {
			if err != nil {
				t.Fatalf("kernel %d: %v", i, err)
			}
		}
		for _, z := range []backend.Tensor{y, pooled, arg, dy, dx, dw, db} {
			b.Release(z)
		}
	}
	step()
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	warm := b.MemStats()
	for range 10 {
		step()
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if after := b.MemStats(); after.Allocations != warm.Allocations || after.LiveBuffers != warm.LiveBuffers {
		t.Errorf("after 10 steady steps: %+v; after the first: %+v", after, warm)
	}
}
