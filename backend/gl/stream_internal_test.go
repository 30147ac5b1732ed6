package gl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// TestAsyncErrorIsStickyAndNamesItsOp queues a command whose GL call really
// fails — a dispatch of more work groups than GL allows, GL_INVALID_VALUE —
// between good ones. The call that queued it returns nil (nothing waits for
// the GL thread); the next Sync and Download return the error, naming the
// op, and so does every call after them, New and Release of a new tensor
// included; the commands queued behind it are skipped.
func TestAsyncErrorIsStickyAndNamesItsOp(t *testing.T) {
	b := openForTest(t)
	s := backend.Shape{Rows: 2, Cols: 3}
	x, err := b.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Fill(x, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil { // so the bad op is alone in its batch
		t.Fatal(err)
	}
	xt := x.(*Tensor)
	if err := b.ready("test", "fill.comp"); err != nil {
		t.Fatal(err)
	}
	err = b.enqueue("oversized dispatch", func() error {
		p, err := b.program("fill.comp")
		if err != nil {
			return err
		}
		p.SetInt("n", 1)
		p.SetFloat("value", 2)
		return b.dev.Dispatch(p, 1<<20, 1, 1, xt.out()) // GL_MAX_COMPUTE_WORK_GROUP_COUNT is ≥ 65535, far below
	})
	if err != nil {
		t.Fatalf("queuing returned %v: it should not wait for the GL thread", err)
	}
	if err := b.Fill(x, 3); err != nil {
		t.Fatalf("a call queued before the failure ran returned %v", err)
	}
	check := func(what string, err error) {
		t.Helper()
		var ge *glrt.ErrGL
		if !errors.As(err, &ge) || !strings.Contains(err.Error(), "oversized dispatch") || !strings.Contains(err.Error(), "GL_INVALID_VALUE") {
			t.Errorf("%s: %v, want the GL_INVALID_VALUE of the oversized dispatch, naming it", what, err)
		}
	}
	check("Sync", b.Sync())
	host := make([]float32, s.Len())
	check("Download", b.Download(host, x))
	check("Add after the failure", b.Add(x, x, x))
	_, err = b.New(s)
	check("New after the failure", err)
	check("Sync again", b.Sync())
	t.Logf("the error: %v", b.Sync())
}

// TestReleaseWhileQueued releases tensors whose kernels are still queued and
// at once reuses their buffers for new tensors written with other values:
// every result must be that of its own inputs.
func TestReleaseWhileQueued(t *testing.T) {
	b := openForTest(t)
	s := backend.Shape{Rows: 3, Cols: 70}
	outs := make([]backend.Tensor, 40)
	for i := range outs {
		x, _ := b.New(s)
		y, _ := b.New(s)
		outs[i], _ = b.New(s)
		if err := errors.Join(b.Fill(x, float32(i)), b.Fill(y, 1), b.Add(outs[i], x, y)); err != nil {
			t.Fatal(err)
		}
		// x and y are still to be read by the queued add: releasing them
		// now hands their buffers to the next round's tensors.
		b.Release(x)
		b.Release(y)
	}
	for i, o := range outs {
		got, err := backend.ToHost(b, o)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range got {
			if v != float32(i)+1 {
				t.Fatalf("result %d element %d = %v, want %v", i, j, v, float32(i)+1)
			}
		}
		b.Release(o)
	}
	if c := b.Counters(); c.Batches == 0 || c.Ops < 120 {
		t.Errorf("counters %+v: want the 120 calls queued and run in batches", c)
	}
}

// TestSoftware checks which contexts count as software renderers, which
// -backend=auto passes over.
func TestSoftware(t *testing.T) {
	for i, tc := range []struct {
		renderer, context string
		want              bool
	}{
		{"llvmpipe (LLVM 15.0.6, 256 bits)", "egl-surfaceless: Mesa", true},
		{"softpipe", "egl-default", true},
		{"Google SwiftShader", "glfw: GLFW 3.3", true},
		{"Mesa Intel(R) Graphics", "egl-device: device 1 of 2 (EGL_MESA_device_software)", true},
		{"NVIDIA H100 80GB HBM3/PCIe/SSE2", "egl-device: device 0 of 1 (EGL_NV_device_cuda)", false},
		{"AMD Radeon RX 7900 XTX (radeonsi, navi31, LLVM 15.0.6)", "egl-device", false},
	} {
		b := &Backend{info: backend.DeviceInfo{Renderer: tc.renderer, Context: tc.context}}
		if got := b.software(); got != tc.want {
			t.Errorf("%d: renderer %q, context %q: software() = %v, want %v", i, tc.renderer, tc.context, got, tc.want)
		}
	}
}

// TestCallErrorIsItsOwn makes the GL work of calls that wait for the GL
// thread really fail — a transfer past the buffer's end, GL_INVALID_VALUE,
// as a large upload and a download would on a lost device — and checks that
// the call returns its own error, naming its op, in release and debug
// builds alike, instead of leaving it for a later command to report (and
// for the backend to keep as that command's sticky error).
func TestCallErrorIsItsOwn(t *testing.T) {
	for i, tc := range []struct {
		op string
		f  func(b *Backend, buf glrt.Buffer, past int) error
	}{
		{"upload", func(b *Backend, buf glrt.Buffer, past int) error { return b.dev.Upload(buf, past, make([]float32, 4)) }},
		{"download", func(b *Backend, buf glrt.Buffer, past int) error {
			return b.dev.Download(make([]float32, 4), buf, past)
		}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			b := openForTest(t)
			x, err := b.New(backend.Shape{Rows: 2, Cols: 3})
			if err != nil {
				t.Fatal(err)
			}
			xt := x.(*Tensor)
			// x idle, so that the upload writes in place (glBufferSubData).
			if err := errors.Join(b.Fill(x, 1), b.Sync()); err != nil {
				t.Fatalf("%d: setup: %v", i, err)
			}
			err = b.call(tc.op, func() error { return tc.f(b, xt.buf, xt.capacity) })
			var ge *glrt.ErrGL
			if !errors.As(err, &ge) || !strings.Contains(err.Error(), "gl: "+tc.op+": ") || !strings.Contains(err.Error(), "GL_INVALID_VALUE") {
				t.Errorf("%d: %s past the end: %v, want its GL_INVALID_VALUE, naming %q", i, tc.op, err, tc.op)
			}
			if err := errors.Join(b.Fill(x, 2), b.Sync()); err != nil {
				t.Errorf("%d: a fill and sync after the %s returned %v: its error was left for them", i, tc.op, err)
			}
		})
	}
}

// TestBackendsKeepTheirOwnErrors runs two backends at once, each on its own
// GL thread: one whose calls keep failing (an oversized dispatch,
// GL_INVALID_VALUE), one whose work is good. The good one must never see
// the other's errors — in debug builds, which record the first failing GL
// call of each command, too — and `go test -race -tags gltraindebug` must
// find no race between the two threads.
func TestBackendsKeepTheirOwnErrors(t *testing.T) {
	bad, good := openForTest(t), openForTest(t)
	if err := bad.ready("test", "fill.comp"); err != nil {
		t.Fatal(err)
	}
	x, _ := bad.New(backend.Shape{Rows: 1, Cols: 5})
	xt := x.(*Tensor)
	y, _ := good.New(backend.Shape{Rows: 1, Cols: 5})
	const rounds = 200
	done := make(chan error, 1)
	go func() {
		for i := range rounds {
			err := bad.call("oversized dispatch", func() error {
				p, err := bad.program("fill.comp")
				if err != nil {
					return err
				}
				return bad.dev.Dispatch(p, 1<<20, 1, 1, xt.out())
			})
			if err == nil || !strings.Contains(err.Error(), "GL_INVALID_VALUE") {
				done <- fmt.Errorf("round %d: the failing backend's call returned %v, want its GL_INVALID_VALUE", i, err)
				return
			}
		}
		done <- nil
	}()
	for i := range rounds {
		if err := errors.Join(good.Fill(y, float32(i)), good.Sync()); err != nil {
			t.Fatalf("round %d: the good backend returned %v", i, err)
		}
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestAvailableMemory: llvmpipe tells no free memory (it has neither
// extension), so the train command falls back to the host's limit; a
// driver that tells it reports a positive size.
func TestAvailableMemory(t *testing.T) {
	b := openForTest(t)
	n, ok := b.AvailableMemory()
	if strings.Contains(b.info.Renderer, "llvmpipe") && ok {
		t.Fatalf("llvmpipe reported %d bytes free", n)
	}
	if ok && n <= 0 {
		t.Fatalf("free memory %d, ok", n)
	}
	t.Logf("%s: %d bytes free (known: %v)", b.info.Renderer, n, ok)
}

// TestUploadsAreQueued: an upload of up to inlineUpload elements (a step's
// dropout mask of 128×256) is copied into the queue and the caller goes on,
// its slice free to change at once; the copies send a batch early before
// it holds more than arenaCap elements; a larger upload waits for the GL
// thread. Each tensor holds what its slice held when it was uploaded.
func TestUploadsAreQueued(t *testing.T) {
	b := openForTest(t)
	const n = 3 * arenaCap / 4 // two of them overflow one batch's copies
	src := make([]float32, n)
	var ts []backend.Tensor
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	before := b.Counters()
	for k := 0; k < 3; k++ {
		for i := range src {
			src[i] = float32(k*n + i)
		}
		x, err := b.New(backend.Shape{Rows: 1, Cols: n})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Upload(x, src); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	clear(src) // the queue holds copies
	after := b.Counters()
	if got := after.Ops - before.Ops; got < 3 {
		t.Errorf("%d commands queued for 3 uploads of %d elements; want each queued", got, n)
	}
	if got := after.Batches - before.Batches; got < 3 {
		t.Errorf("%d batches for 3 uploads of %d elements (arenaCap %d); want one each", got, n, arenaCap)
	}
	for k, x := range ts {
		got, err := backend.ToHost(b, x)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != float32(k*n) || got[n-1] != float32(k*n+n-1) {
			t.Errorf("tensor %d holds %v…%v, want %d…%d", k, got[0], got[n-1], k*n, k*n+n-1)
		}
		b.Release(x)
	}
}
