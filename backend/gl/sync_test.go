package gl_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// The tests below exercise the orderings a GPU may break while a CPU-side
// driver (llvmpipe) executes everything at once: host uploads into buffers
// that queued kernels still read or write, downloads of buffers they write,
// and kernels on recycled buffers. Each first queues work that keeps a GPU
// busy for a few milliseconds, so that what follows is issued while the
// device is still running: on an H100 the zero-fill of a tensor queued
// before an upload of it used to land after the upload.

// keepBusy queues products whose results nobody reads: 8 of 1024³ on a GPU
// (a few milliseconds), one small one on llvmpipe, which runs each kernel
// before returning and would only spend CI's time.
func keepBusy(t *testing.T, b backend.Backend) {
	t.Helper()
	n, rounds := 1024, 8
	if strings.Contains(b.(backend.Describer).Device().Renderer, "llvmpipe") {
		n, rounds = 64, 1
	}
	s := backend.Shape{Rows: n, Cols: n}
	x, _ := backend.FromData(b, s, backend.NormalData(s.Len(), 1, 0, 1))
	y, _ := b.New(s)
	for range rounds {
		if err := b.MatMul(false, false, 1, x, x, 0, y); err != nil {
			t.Fatal(err)
		}
	}
	b.Release(x)
	b.Release(y)
}

// TestUploadWhileQueuedKernelReads uploads a new index vector before each
// gather, while the gathers queued before still read the old one (as the
// training loop does with its batch indices), and checks every gather saw
// the indices uploaded just before it.
func TestUploadWhileQueuedKernelReads(t *testing.T) {
	b := backendtest.Open(t, "gl")
	const rows, cols, steps = 64, 33, 50
	src := make([]float32, rows*cols)
	for i := range src {
		src[i] = float32(i)
	}
	table, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: cols}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(table)
	idx, _ := b.New(backend.Shape{Rows: rows, Cols: 1})
	defer b.Release(idx)
	keepBusy(t, b)
	outs := make([]backend.Tensor, steps)
	host := make([]float32, rows)
	for k := range outs {
		for i := range host {
			host[i] = float32((i*7 + k) % rows)
		}
		if err := b.Upload(idx, host); err != nil {
			t.Fatal(err)
		}
		outs[k], _ = b.New(backend.Shape{Rows: rows, Cols: cols})
		if err := b.GatherRows(outs[k], table, idx); err != nil {
			t.Fatal(err)
		}
	}
	for k, o := range outs {
		got, err := backend.ToHost(b, o)
		if err != nil {
			t.Fatal(err)
		}
		b.Release(o)
		for i := 0; i < rows; i++ {
			r := (i*7 + k) % rows
			if got[i*cols] != float32(r*cols) {
				t.Fatalf("step %d: row %d gathered %v, want row %d (%v)", k, i, got[i*cols]/cols, r, float32(r*cols))
			}
		}
	}
}

// TestUploadAfterKernelWrote fills a tensor with a kernel, then overwrites it
// from the host, then reads it in a kernel: the kernel must see the upload
// (a model's zero bias replaced by a checkpoint's).
func TestUploadAfterKernelWrote(t *testing.T) {
	b := backendtest.Open(t, "gl")
	for _, n := range []int{3, 300, 70000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := backend.Shape{Rows: 1, Cols: n}
			x, _ := b.New(s)
			y, _ := b.New(s)
			defer b.Release(x)
			defer b.Release(y)
			want := backend.NormalData(n, 5, 0, 1)
			keepBusy(t, b)
			if err := b.Fill(x, 0); err != nil {
				t.Fatal(err)
			}
			if err := b.Upload(x, want); err != nil {
				t.Fatal(err)
			}
			if err := b.Scale(y, 1, x); err != nil {
				t.Fatal(err)
			}
			got, _ := backend.ToHost(b, y)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("element %d: %v, want the uploaded %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestUploadTwiceThenRead uploads twice into one tensor (initial weights,
// then loaded ones) and reads it in a product: the second upload wins.
func TestUploadTwiceThenRead(t *testing.T) {
	b := backendtest.Open(t, "gl")
	w, _ := b.New(backend.Shape{Rows: 4, Cols: 8})
	x, _ := backend.FromData(b, backend.Shape{Rows: 16, Cols: 4}, backend.NormalData(64, 1, 0, 1))
	y, _ := b.New(backend.Shape{Rows: 16, Cols: 8})
	defer func() { b.Release(w); b.Release(x); b.Release(y) }()
	first, second := backend.NormalData(32, 2, 0, 1), backend.NormalData(32, 3, 0, 1)
	keepBusy(t, b)
	b.Upload(w, first)
	b.Upload(w, second)
	if err := b.MatMul(false, false, 1, x, w, 0, y); err != nil {
		t.Fatal(err)
	}
	got, _ := backend.ToHost(b, y)
	xs := backend.NormalData(64, 1, 0, 1)
	for i := 0; i < 16; i++ {
		for j := 0; j < 8; j++ {
			var want float64
			for k := 0; k < 4; k++ {
				want += float64(xs[i*4+k]) * float64(second[k*8+j])
			}
			if d := float64(got[i*8+j]) - want; d > 1e-5 || d < -1e-5 {
				t.Fatalf("[%d,%d] = %v, want %v (with the second upload)", i, j, got[i*8+j], want)
			}
		}
	}
}

// TestReleasedBufferReuse releases intermediate tensors and immediately
// reuses their buffers for new results while the kernels that read them are
// queued, over many rounds.
func TestReleasedBufferReuse(t *testing.T) {
	b := backendtest.Open(t, "gl")
	s := backend.Shape{Rows: 37, Cols: 29}
	x, _ := backend.FromData(b, s, backend.NormalData(s.Len(), 9, 0, 1))
	defer b.Release(x)
	acc, _ := b.New(s)
	defer b.Release(acc)
	keepBusy(t, b)
	b.Fill(acc, 0)
	for k := 0; k < 100; k++ {
		tmp, _ := b.New(s)
		b.Scale(tmp, float32(k), x) // tmp = k·x
		b.Axpy(1, tmp, acc)         // acc += k·x
		b.Release(tmp)              // its buffer is reused next round
	}
	got, _ := backend.ToHost(b, acc)
	xs := backend.NormalData(s.Len(), 9, 0, 1)
	for i := range got {
		want := float64(xs[i]) * 4950 // Σ_{k<100} k
		if d := float64(got[i]) - want; d > 1e-3*(1+abs(want)) || d < -1e-3*(1+abs(want)) {
			t.Fatalf("element %d: %v, want %v", i, got[i], want)
		}
	}
}

// TestDownloadWaitsForWriters downloads a tensor right after queuing the
// kernels that write it.
func TestDownloadWaitsForWriters(t *testing.T) {
	b := backendtest.Open(t, "gl")
	s := backend.Shape{Rows: 300, Cols: 301}
	x, _ := b.New(s)
	defer b.Release(x)
	for k := 1; k <= 5; k++ {
		keepBusy(t, b)
		if err := b.Fill(x, float32(k)); err != nil {
			t.Fatal(err)
		}
		got, err := backend.ToHost(b, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != float32(k) {
				t.Fatalf("round %d: element %d = %v, want %d", k, i, v, k)
			}
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestRecycledScalarAccumulation accumulates, as evaluation does, scalars
// written by one kernel into recycled 1×1 buffers and read by the next, and
// counts with an in-place add (dst = dst + x): it guards the barriers
// between kernels on recycled buffers, whose read and write history the
// pool keeps.
func TestRecycledScalarAccumulation(t *testing.T) {
	b := backendtest.Open(t, "gl")
	one := backend.Shape{Rows: 1, Cols: 1}
	sum, _ := b.New(one)
	count, _ := b.New(one)
	defer b.Release(sum)
	defer b.Release(count)
	b.Fill(sum, 0)
	b.Fill(count, 0)
	const rounds = 300
	for k := 1; k <= rounds; k++ {
		v, _ := b.New(one)
		h, _ := b.New(one)
		if err := errors.Join(b.Fill(v, float32(k)), b.Axpy(1, v, sum), b.Fill(h, 1), b.Add(count, count, h)); err != nil {
			t.Fatal(err)
		}
		b.Release(v)
		b.Release(h)
	}
	got, _ := backend.ToHost(b, sum)
	n, _ := backend.ToHost(b, count)
	if got[0] != rounds*(rounds+1)/2 || n[0] != rounds {
		t.Errorf("sum %v, count %v; want %d and %d", got[0], n[0], rounds*(rounds+1)/2, rounds)
	}
}
