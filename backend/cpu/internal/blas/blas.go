// Package blas finds an optimised BLAS at run time, for the CPU backend's
// matrix products: OpenBLAS (libopenblas.so.0), else any libblas.so.3 that
// exports cblas_sgemm, loaded with dlopen through purego, so that gltrain
// needs no BLAS to build. Calls go through a few lines of cgo when the build
// has cgo (tens of nanoseconds), else through purego (about a microsecond).
// Without a library, the caller falls back to gonum's pure-Go Sgemm.
package blas

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"

	"gltrain/backend"
)

// Env names the environment variable that hides every library (set it to
// "gonum"): the fallback path, for tests and comparisons.
const Env = "GLTRAIN_BLAS"

// CheckEnv refuses a value of $GLTRAIN_BLAS other than auto or gonum.
func CheckEnv() error { return backend.CheckEnv(Env, "auto", "gonum") }

// candidates are the libraries tried, in order: OpenBLAS by its own soname
// first (its threads can be set and its build read), then the generic
// BLAS that Debian's alternatives system points at some implementation.
var candidates = []string{"libopenblas.so.0", "libopenblas.so", "libblas.so.3"}

// CBLAS constants (cblas.h).
const (
	rowMajor = 101
	noTrans  = 111
	trans    = 112
)

// Lib is a loaded BLAS.
type Lib struct {
	// Name says what was loaded: "OpenBLAS 0.3.21 (openmp)", say, or
	// the library's file name when it does not describe itself.
	Name string
	Path string
	sym  uintptr // cblas_sgemm's address
	// setSym is openblas_set_num_threads's address (0 without one), and
	// threads the count SetThreads asked for (0: the library's default).
	// An OpenMP build keeps the count per OS thread (omp_set_num_threads),
	// and Go calls from many threads, so each call sets it on its own
	// thread first (once per thread, see sgemm_cgo.go).
	setSym     uintptr
	threads    int32
	cblasSgemm func(order, transA, transB, m, n, k int32, alpha float32, a unsafe.Pointer, lda int32,
		b unsafe.Pointer, ldb int32, beta float32, c unsafe.Pointer, ldc int32)
	setThreads func(n int32)
	getThreads func() int32
}

var (
	once   sync.Once
	loaded *Lib
	errLib error
)

// Load returns the process's BLAS, loading it on first use; the error says
// why there is none (every library tried, or the environment switch).
func Load() (*Lib, error) {
	once.Do(func() { loaded, errLib = load() })
	return loaded, errLib
}

func load() (*Lib, error) {
	if err := CheckEnv(); err != nil {
		return nil, err
	}
	if os.Getenv(Env) == "gonum" {
		return nil, fmt.Errorf("%s=gonum", Env)
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return nil, fmt.Errorf("no BLAS loading on %s", runtime.GOOS)
	}
	var errs []error
	for _, path := range candidates {
		lib, err := open(path)
		if err == nil {
			return lib, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func open(path string) (*Lib, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sym, err := purego.Dlsym(h, "cblas_sgemm")
	if err != nil {
		purego.Dlclose(h)
		return nil, fmt.Errorf("%s: no cblas_sgemm", path)
	}
	l := &Lib{Name: path, Path: path, sym: sym}
	if !haveCgo {
		purego.RegisterLibFunc(&l.cblasSgemm, h, "cblas_sgemm")
	}
	if set, err := purego.Dlsym(h, "openblas_set_num_threads"); err == nil {
		l.setSym = set
		purego.RegisterLibFunc(&l.setThreads, h, "openblas_set_num_threads")
		purego.RegisterLibFunc(&l.getThreads, h, "openblas_get_num_threads")
		var config func() string
		if _, err := purego.Dlsym(h, "openblas_get_config"); err == nil {
			purego.RegisterLibFunc(&config, h, "openblas_get_config")
			l.Name = describe(config())
		} else {
			l.Name = "OpenBLAS"
		}
	}
	return l, nil
}

// describe turns OpenBLAS's configuration string ("OpenBLAS 0.3.21
// DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64", with USE_OPENMP in an
// OpenMP build) into "OpenBLAS 0.3.21 (openmp, Zen)".
func describe(config string) string {
	f := strings.Fields(config)
	if len(f) < 2 || f[0] != "OpenBLAS" {
		return "OpenBLAS"
	}
	threading := "pthreads"
	if strings.Contains(config, "USE_OPENMP") {
		threading = "openmp"
	}
	core := ""
	for _, w := range f[2:] {
		if !strings.Contains(w, "=") && !strings.HasPrefix(w, "DYNAMIC") && !strings.HasPrefix(w, "NO_") && !strings.HasPrefix(w, "USE_") && !strings.HasPrefix(w, "SMP") {
			core = ", " + w
		}
	}
	return fmt.Sprintf("%s %s (%s%s)", f[0], f[1], threading, core)
}

// SerialBelow is the product size (m·n·k) below which a product runs on one
// thread whatever SetThreads asked for. OpenBLAS splits products from
// 262,144 on; at this machine's sizes (128×256×10, 128×10×256) waking the
// second thread costs about what it saves on a quiet machine, and on a
// busy one the product waits for whichever thread was preempted: one
// thread took 5.0 µs where two took 7.5–15 µs (median) for 128×256×10.
// From about 2^20 on, two threads win (128×64×128: 9.8 µs against 13.5).
const SerialBelow = 1 << 20

// SetThreads sets the library's thread count, when it has a setting. With
// cgo the products give it to the library as they run (see sgemm_cgo.go):
// a count set here, on whichever OS thread this runs, would change the
// library's global setting behind the products' backs.
func (l *Lib) SetThreads(n int) {
	if l.setThreads != nil && n > 0 {
		l.threads = int32(n)
		if !haveCgo {
			l.setThreads(int32(n))
		}
	}
}

// Threads is the library's thread count: SetThreads's, else the library's
// own, or 0 when it does not say.
func (l *Lib) Threads() int {
	if l.threads > 0 {
		return int(l.threads)
	}
	if l.getThreads == nil {
		return 0
	}
	return int(l.getThreads())
}

// yieldEvery is how often a goroutine that multiplies gives the scheduler
// a turn. A goroutine that loops over products never reaches it otherwise:
// each product is a cgo call, and the runtime counts no schedule. After
// 10 ms sysmon forces a preemption, and since the goroutine is inside C it
// takes its P instead. Each take resets sysmon's sleep to 20 µs, and each
// wake-up then preempts one of OpenBLAS's threads on a busy machine. A
// 128×256×784 product on 2 threads took 173–187 µs in such a loop, with
// 22,000–29,000 context switches per 6,000 products. With a Gosched every
// 5 ms it took 148–154 µs, as fast as the same calls looped in C, with
// 600–1,600 switches.
const yieldEvery = 5 * time.Millisecond

// lastYield is when yieldNow last yielded (monotonic nanoseconds since
// start). One clock for all goroutines: several multiplying at once yield
// a little less often each, which costs nothing when any of them blocks.
var (
	start     = time.Now()
	lastYield atomic.Int64
)

// yieldNow calls runtime.Gosched when yieldEvery has passed since the last
// time it did.
func yieldNow() {
	now := int64(time.Since(start))
	if last := lastYield.Load(); now-last >= int64(yieldEvery) && lastYield.CompareAndSwap(last, now) {
		yields.Add(1)
		runtime.Gosched()
	}
}

// pureMu keeps purego's products (builds without cgo) from running side
// by side: each sets the library's global thread count.
var pureMu sync.Mutex

// yields counts yieldNow's yields (for the tests).
var yields atomic.Int64

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// op(A) m×k and op(B) k×n, with leading dimensions lda, ldb, ldc; the
// slices must hold the matrices (the caller checks shapes).
func (l *Lib) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	threads := l.threads
	if threads > 1 && int64(m)*int64(n)*int64(k) < SerialBelow {
		threads = 1
	}
	l.sgemm(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on one thread whatever the product's size, for
// callers that run products on several goroutines at once (a batch's
// images, say): each product then stays on its caller's thread instead of
// every caller asking for all the library's threads. With cgo the library
// is told so (as SerialBelow's products are); purego sets the library's
// count on each call, so there it is Sgemm.
func (l *Lib) SgemmSerial(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !haveCgo || l.setThreads == nil {
		l.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	l.sgemm(1, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm calls the library's cblas_sgemm on threads threads (0: its own
// count).
func (l *Lib) sgemm(threads int32, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := int32(noTrans), int32(noTrans)
	if tA {
		ta = trans
	}
	if tB {
		tb = trans
	}
	yieldNow()
	if haveCgo {
		callSgemm(l.sym, l.setSym, threads, rowMajor, ta, tb, int32(m), int32(n), int32(k), alpha, &a[0], int32(lda),
			&b[0], int32(ldb), beta, &c[0], int32(ldc))
	} else {
		// purego cannot keep a per-thread note: set the count every call,
		// one call at a time (see gltrain_lock in sgemm_cgo.go).
		pureMu.Lock()
		defer pureMu.Unlock()
		if threads > 0 {
			l.setThreads(threads)
		}
		l.cblasSgemm(rowMajor, ta, tb, int32(m), int32(n), int32(k), alpha, unsafe.Pointer(&a[0]), int32(lda),
			unsafe.Pointer(&b[0]), int32(ldb), beta, unsafe.Pointer(&c[0]), int32(ldc))
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
}
