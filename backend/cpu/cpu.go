package cpu

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gltrain/backend"
	"gltrain/backend/cpu/internal/blas"
)

var _ backend.Backend = (*Backend)(nil)
var _ backend.MemoryReporter = (*Backend)(nil)
var _ backend.Describer = (*Backend)(nil)
var _ backend.Packer = (*Backend)(nil)

func init() {
	backend.Register("cpu", func(options string) (backend.Backend, error) {
		o, err := ParseOptions(options)
		if err != nil {
			return nil, err
		}
		if err := CheckEnv(); err != nil {
			return nil, fmt.Errorf("cpu: %w", err)
		}
		return NewWithOptions(o), nil
	})
}

// CheckEnv refuses a value of $GLTRAIN_BLAS other than auto or gonum, which
// the registry's opener does before making a backend.
func CheckEnv() error { return blas.CheckEnv() }

// Options configure a CPU backend.
type Options struct {
	// BLAS chooses what computes matrix products: "auto" (or "") loads
	// OpenBLAS, or another libblas.so.3 with cblas_sgemm, at run time when
	// the machine has one and otherwise uses gonum's pure-Go Sgemm;
	// "gonum" always uses gonum's. $GLTRAIN_BLAS=gonum hides the library
	// from auto too.
	BLAS string
	// Threads is the BLAS library's thread count; 0 means GOMAXPROCS. At
	// most MaxThreads (NewWithOptions uses MaxThreads for more).
	Threads int
}

// MaxThreads bounds the thread count of Options and of the train command's
// -threads (GOMAXPROCS too): far more than any machine's cores, and far
// below the tens of thousands of OS threads at which a process dies of
// thread exhaustion (Go's default limit is 10,000).
const MaxThreads = 1024

// ParseOptions reads the registry options: comma-separated words, each
// blas=auto, blas=gonum or threads=N.
func ParseOptions(s string) (Options, error) {
	var o Options
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		k, v, _ := strings.Cut(w, "=")
		switch {
		case w == "":
		case k == "blas" && (v == "auto" || v == "gonum"):
			o.BLAS = v
		case k == "threads":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxThreads {
				return o, fmt.Errorf("cpu options: %q: want threads=N with 1 ≤ N ≤ %d", w, MaxThreads)
			}
			o.Threads = n
		default:
			return o, fmt.Errorf("cpu options: %q: want blas=auto, blas=gonum or threads=N", w)
		}
	}
	return o, nil
}

// Backend is the CPU reference backend. It is safe for concurrent use by
// several goroutines, as long as no two of them write the same tensor.
type Backend struct {
	pool   *backend.Pool[[]float32]
	mu     sync.Mutex
	closed bool
	blas   *blas.Lib // nil: gonum's Sgemm
	// gemmMin is the product size (m·n·k) from which blas computes it.
	gemmMin int
	// products says what computes matrix products, for Device.
	products string
	// staggered counts the buffers alloc has staggered.
	staggered atomic.Uint64
}

// New returns a CPU backend with the default options: OpenBLAS when the
// machine has it, with GOMAXPROCS threads.
func New() *Backend { return NewWithOptions(Options{}) }

// NewWithOptions returns a CPU backend configured by o.
func NewWithOptions(o Options) *Backend {
	b := &Backend{gemmMin: smallGemm}
	b.pool = backend.NewPool(b.alloc, func([]float32) {})
	b.products = "gonum blas32 (install libopenblas0 for faster products)"
	if err := CheckEnv(); err != nil {
		b.products = "gonum blas32 (" + err.Error() + ")"
	}
	if o.BLAS != "gonum" {
		if lib, err := blas.Load(); err == nil {
			threads := o.Threads
			if threads <= 0 {
				threads = runtime.GOMAXPROCS(0)
			}
			threads = min(threads, MaxThreads)
			lib.SetThreads(threads)
			b.blas, b.products = lib, lib.Name
		}
	} else {
		b.products = "gonum blas32"
	}
	return b
}

// Tensor is a matrix in host memory, owned by one CPU backend. A view (see
// Pack) shares its flat tensor's memory: its data is a sub-slice of the
// flat tensor's, and its Release does nothing.
type Tensor struct {
	shape    backend.Shape
	data     []float32 // len shape.Len(); cap is the pool's size class, or len for a view
	owner    *Backend
	released bool
	view     bool            // data belongs to a flat tensor of Pack
	views    []*Tensor       // a flat tensor's views, released with it
	handles  backend.Handles // the handles sharing data through View (view.go)
}

// Shape is the tensor's size.
func (t *Tensor) Shape() backend.Shape { return t.shape }

// Name returns "cpu".
func (b *Backend) Name() string { return "cpu" }

// Sync returns at once: CPU operations finish before they return.
func (b *Backend) Sync() error { return b.checkOpen("sync") }

// Close marks the backend closed and lets its memory go.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.pool.Trim()
	return nil
}

// UsesBLAS reports whether a BLAS library (OpenBLAS) computes the large
// products, rather than gonum's Sgemm.
func (b *Backend) UsesBLAS() bool { return b.blas != nil }

// MemStats reports the pool's counters.
func (b *Backend) MemStats() backend.MemStats { return b.pool.Stats() }

// Device describes the host CPU.
func (b *Backend) Device() backend.DeviceInfo {
	vendor, model := cpuModel()
	threads := runtime.GOMAXPROCS(0)
	if b.blas != nil && b.blas.Threads() > 0 {
		threads = b.blas.Threads()
	}
	return backend.DeviceInfo{Vendor: vendor, Renderer: model, Version: runtime.Version(), Threads: threads, Products: b.products}
}

// cpuModel reads the vendor and model name from /proc/cpuinfo where there is
// one (Linux), else reports the architecture.
func cpuModel() (vendor, model string) {
	vendor, model = runtime.GOARCH, runtime.GOARCH
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return vendor, model
	}
	for _, line := range strings.Split(string(raw), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "vendor_id":
			vendor = strings.TrimSpace(val)
		case "model name":
			return vendor, strings.TrimSpace(val)
		}
	}
	return vendor, model
}

func (b *Backend) checkOpen(op string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("cpu: %s: %w", op, backend.ErrClosed)
	}
	return nil
}

// New returns an uninitialised tensor of shape s.
func (b *Backend) New(s backend.Shape) (backend.Tensor, error) {
	buf, _, err := b.pool.New(s, b.checkOpen)
	if err != nil {
		return nil, err
	}
	return &Tensor{shape: s, data: buf[:s.Len()], owner: b}, nil
}

// Upload copies src into dst.
func (b *Backend) Upload(dst backend.Tensor, src []float32) error {
	if err := backend.Check(b).Upload(dst, src); err != nil {
		return err
	}
	copy(dst.(*Tensor).data, src)
	return nil
}

// Download copies src into dst.
func (b *Backend) Download(dst []float32, src backend.Tensor) error {
	if err := backend.Check(b).Download(dst, src); err != nil {
		return err
	}
	copy(dst, src.(*Tensor).data)
	return nil
}

// Release returns t's memory to the pool. Releasing a view does nothing;
// releasing a flat tensor of Pack releases its views too.
func (b *Backend) Release(t backend.Tensor) error {
	if live, err := backend.Check(b).Release(t); !live {
		return err
	}
	ct := t.(*Tensor)
	if ct.view {
		return nil
	}
	ct.released = true
	for _, v := range ct.views {
		v.released, v.data = true, nil
	}
	ct.views = nil
	if !ct.handles.Last() {
		ct.data = nil // a View still holds the buffer
		return nil
	}
	b.pool.Put(ct.data[:cap(ct.data)], cap(ct.data))
	ct.data = nil
	return nil
}

// Own reports whether t is a live tensor of b for the entry checks
// (backend.Check): nil if it is, else an error naming op that wraps
// backend.ErrForeign, ErrReleased or ErrClosed.
func (b *Backend) Own(op string, t backend.Tensor) error {
	ct, mine := t.(*Tensor)
	mine = mine && ct != nil && ct.owner == b
	if err := backend.OwnError("cpu", op, mine, mine && ct.released); err != nil {
		return err
	}
	return b.checkOpen(op)
}
