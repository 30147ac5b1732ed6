package blas

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"
)

// TestEnvHidesLibrary: GLTRAIN_BLAS=gonum makes load fail, so the backend
// falls back to gonum's Sgemm; a bad value is an error naming it.
func TestEnvHidesLibrary(t *testing.T) {
	t.Setenv(Env, "gonum")
	if lib, err := load(); lib != nil || err == nil {
		t.Fatalf("load with %s=gonum: %v, %v; want no library", Env, lib, err)
	}
	t.Setenv(Env, "mkl")
	if _, err := load(); err == nil {
		t.Fatalf("load with %s=mkl: no error", Env)
	}
}

// TestSgemm multiplies through the loaded library in every transpose
// against a float64 product, when the machine has a BLAS: on one thread
// (below SerialBelow) and on two (above it).
func TestSgemm(t *testing.T) {
	lib, err := Load()
	if err != nil {
		t.Skipf("no BLAS: %v", err)
	}
	t.Logf("loaded %s (%s), %d threads", lib.Name, lib.Path, lib.Threads())
	lib.SetThreads(2)
	t.Cleanup(func() { lib.SetThreads(runtime.GOMAXPROCS(0)) })
	for _, size := range []struct {
		m, n, k  int
		threaded bool
	}{{37, 29, 53, false}, {130, 120, 70, true}} {
		if size.m*size.n*size.k >= SerialBelow != size.threaded {
			t.Fatalf("%d×%d×%d: on the wrong side of SerialBelow", size.m, size.n, size.k)
		}
		sgemmAgainstFloat64(t, lib, size.m, size.n, size.k)
	}
}

// sgemmAgainstFloat64 checks an m×n×k product in every transpose.
func sgemmAgainstFloat64(t *testing.T, lib *Lib, m, n, k int) {
	t.Helper()
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5)*0.5 - 1
	}
	for _, tr := range []struct{ a, b bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		at := func(i, l int) float64 {
			if tr.a {
				return float64(a[l*m+i])
			}
			return float64(a[i*k+l])
		}
		bt := func(l, j int) float64 {
			if tr.b {
				return float64(b[j*k+l])
			}
			return float64(b[l*n+j])
		}
		lda, ldb := k, n
		if tr.a {
			lda = m
		}
		if tr.b {
			ldb = k
		}
		c := make([]float32, m*n)
		for i := range c {
			c[i] = 1
		}
		lib.Sgemm(tr.a, tr.b, m, n, k, 2, a, lda, b, ldb, 0.5, c, n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for l := 0; l < k; l++ {
					s += at(i, l) * bt(l, j)
				}
				// Small integers and halves: every partial sum is exact
				// in float32, so the product must be too.
				if want := 2*s + 0.5; math.Abs(float64(c[i*n+j])-want) > 0 {
					t.Fatalf("%d×%d×%d transA %v transB %v: c[%d,%d] = %v, want %v", m, n, k, tr.a, tr.b, i, j, c[i*n+j], want)
				}
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	for i, tc := range []struct{ config, want string }{
		{"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64", "OpenBLAS 0.3.21 (pthreads, Haswell)"},
		{"OpenBLAS 0.3.21 USE_OPENMP DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64", "OpenBLAS 0.3.21 (openmp, Zen)"},
		{"something else", "OpenBLAS"},
	} {
		if got := describe(tc.config); got != tc.want {
			t.Errorf("%d: describe(%q) = %q, want %q", i, tc.config, got, tc.want)
		}
	}
}

// countedLib returns the loaded library with its thread count set to
// threads (left as it is for 0) and set back to GOMAXPROCS after the test,
// or skips the test where there is no count to set and read: no library,
// no openblas_set_num_threads, or no cgo.
func countedLib(t *testing.T, threads int) *Lib {
	t.Helper()
	lib, err := Load()
	if err != nil {
		t.Skipf("no BLAS: %v", err)
	}
	if !haveCgo || lib.setSym == 0 {
		t.Skip("without cgo or openblas_set_num_threads there is no per-thread count")
	}
	if threads > 0 {
		lib.SetThreads(threads)
	}
	t.Cleanup(func() { lib.SetThreads(runtime.GOMAXPROCS(0)) })
	return lib
}

// TestThreadsHoldOnEveryThread: OpenBLAS's OpenMP build takes the thread
// count from the calling OS thread's OpenMP setting (omp_set_num_threads is
// per thread), and Go calls the library from many threads: a product
// gives SetThreads's count to the thread it runs on, at most once for two
// products on one thread.
func TestThreadsHoldOnEveryThread(t *testing.T) {
	lib := countedLib(t, 0)
	const m = 128 // m³ is past SerialBelow
	a, c := make([]float32, m*m), make([]float32, m*m)
	for i, want := range []int{1, 2, 1, 2} {
		lib.SetThreads(want)
		type result struct{ count, sets int }
		done := make(chan result)
		go func() {
			runtime.LockOSThread() // a thread other than SetThreads's, most likely
			defer runtime.UnlockOSThread()
			before := threadSets()
			lib.Sgemm(false, false, m, m, m, 1, a, m, a, m, 0, c, m)
			lib.Sgemm(false, false, m, m, m, 1, a, m, a, m, 0, c, m)
			done <- result{threadCount(), threadSets() - before}
		}()
		r := <-done
		if r.count != want || int(lib.getThreads()) != want {
			t.Errorf("round %d: SetThreads(%d), then a product ran with %d on its thread, %d in the library's global", i, want, r.count, lib.getThreads())
		}
		if r.sets > 1 {
			t.Errorf("round %d: two products on one thread set the count %d times, want at most once", i, r.sets)
		}
	}
}

// TestSmallProductsRunSerial: below SerialBelow a product runs on one
// thread, and a larger one gets SetThreads's count back, on the same OS
// thread.
func TestSmallProductsRunSerial(t *testing.T) {
	lib := countedLib(t, 2)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	product := func(m, n, k int) int {
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		lib.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		if g := int(lib.getThreads()); g != threadCount() {
			t.Errorf("%d×%d×%d: the library's global count is %d, this thread gave it %d", m, n, k, g, threadCount())
		}
		return threadCount()
	}
	for _, tc := range []struct{ m, n, k, want int }{
		{128, 256, 10, 1}, {100, 100, 100, 1}, {128, 64, 128, 2}, {128, 256, 10, 1}, {256, 256, 256, 2},
	} {
		if got := product(tc.m, tc.n, tc.k); got != tc.want {
			t.Errorf("%d×%d×%d (m·n·k %d): ran on %d threads, want %d", tc.m, tc.n, tc.k, tc.m*tc.n*tc.k, got, tc.want)
		}
	}
}

// TestGlobalCountFollows: the OpenMP build's count has a global part, at 1
// serialising every thread's products; after a small product on one
// thread sets it, a large product on another sets it back before running.
func TestGlobalCountFollows(t *testing.T) {
	lib := countedLib(t, 2)
	// onThread returns a function that runs an m×n×k product on an OS
	// thread of its own, the same one each time, and waits for it.
	onThread := func(m, n, k int) (run func(), stop func()) {
		jobs, done := make(chan struct{}), make(chan struct{})
		go func() {
			runtime.LockOSThread()
			a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			for range jobs {
				lib.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				done <- struct{}{}
			}
		}()
		return func() { jobs <- struct{}{}; <-done }, func() { close(jobs) }
	}
	big, stopBig := onThread(256, 256, 256)
	defer stopBig()
	small, stopSmall := onThread(8, 8, 8)
	defer stopSmall()
	big()
	if g := lib.getThreads(); g != 2 {
		t.Fatalf("after a large product the global count is %d, want 2", g)
	}
	small()
	if g := lib.getThreads(); g != 1 {
		t.Fatalf("after a small product the global count is %d, want 1", g)
	}
	big()
	if g := lib.getThreads(); g != 2 {
		t.Errorf("a large product on a thread that had set 2 left the global count at %d: it ran on one thread", g)
	}
}

// TestProductsYield: a loop of products gives the scheduler a turn every
// yieldEvery, so that sysmon never takes the P of a goroutine that only
// multiplies (see yieldEvery). After a yield the next comes within
// yieldEvery plus one turn of the loop (a product, and a Gosched that may
// wait on a busy machine), so a loop of D yields at least
// D / (yieldEvery + the longest turn) times, however slow its turns.
func TestProductsYield(t *testing.T) {
	lib, err := Load()
	if err != nil {
		t.Skipf("no BLAS: %v", err)
	}
	const m, d = 128, 8 * yieldEvery
	a, c := make([]float32, m*m), make([]float32, m*m)
	before := yields.Load()
	t0 := time.Now()
	var longest time.Duration
	for prev := t0; time.Since(t0) < d; {
		lib.Sgemm(false, false, m, m, m, 1, a, m, a, m, 0, c, m)
		now := time.Now()
		longest = max(longest, now.Sub(prev))
		prev = now
	}
	elapsed := time.Since(t0)
	want := int64(elapsed / (yieldEvery + longest))
	if got := yields.Load() - before; got < want {
		t.Errorf("%v of products (longest turn %v) yielded %d times, want at least %d", elapsed, longest, got, want)
	}
}

// TestSerialProductsConcurrently: SgemmSerial runs a product above
// SerialBelow on its caller's thread alone, and several goroutines may run
// such products at once: each result has the bits the same product gives
// on one goroutine, and the library is left with its count for the next
// threaded product.
func TestSerialProductsConcurrently(t *testing.T) {
	lib := countedLib(t, 2)
	const m, n, k = 64, 121, 288 // a convolution's image: 2.2M multiply-adds
	if m*n*k < SerialBelow {
		t.Fatal("the product is below SerialBelow: it would run serially anyway")
	}
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(math.Sin(float64(i)))
	}
	for i := range b {
		b[i] = float32(math.Cos(float64(i) * 0.7))
	}
	want := make([]float32, m*n)
	func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		lib.SgemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
		if threadCount() != 1 {
			t.Errorf("SgemmSerial gave the library %d threads, want 1", threadCount())
		}
	}()
	const goroutines, rounds = 4, 50
	errs := make(chan string, goroutines)
	for range goroutines {
		go func() {
			c := make([]float32, m*n)
			for range rounds {
				lib.SgemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
						errs <- fmt.Sprintf("c[%d] = %g, want %g", i, c[i], want[i])
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range goroutines {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := make([]float32, m*n)
	lib.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	if threadCount() != 2 || lib.getThreads() != 2 {
		t.Errorf("after the serial products a threaded one ran on %d threads (global %d), want 2", threadCount(), lib.getThreads())
	}
}

// TestSwitchingCountsConcurrently: a threaded product, then products on
// one thread from two goroutines at once, in turn, as a convolution layer
// (serial products per image) follows a dense one (threaded). Switching the
// OpenMP build's count rebuilds its per-thread buffers; switches made
// beside running products made the MNIST CNN's training give other bits
// from run to run. No switch may happen while another product runs, and
// every product keeps its first bits.
func TestSwitchingCountsConcurrently(t *testing.T) {
	lib := countedLib(t, 2)
	before := countOverlaps()
	defer func() {
		if n := countOverlaps() - before; n > 0 {
			t.Errorf("the thread count changed %d times while another product ran", n)
		}
	}()
	fill := func(n int, s float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i) * s))
		}
		return v
	}
	const m, n, k = 64, 121, 288 // per goroutine, serial
	const M, N, K = 128, 128, 1600
	a, b := fill(m*k, 0.3), fill(k*n, 0.7)
	A, B := fill(M*K, 0.11), fill(K*N, 0.13)
	var want [2][]float32
	var wantBig []float32
	for round := range 200 {
		c := make([]float32, M*N)
		lib.Sgemm(false, false, M, N, K, 1, A, K, B, N, 0, c, N)
		if wantBig == nil {
			wantBig = c
		} else if msg := firstDiff(c, wantBig); msg != "" {
			t.Fatalf("round %d: the threaded product changed: %s", round, msg)
		}
		var got [2][]float32
		done := make(chan int)
		for g := range 2 {
			go func() {
				got[g] = make([]float32, m*n)
				for range 4 {
					lib.SgemmSerial(false, true, m, n, k, 1, a, k, b, k, 0, got[g], n)
				}
				done <- g
			}()
		}
		<-done
		<-done
		for g := range 2 {
			if want[g] == nil {
				want[g] = got[g]
			} else if msg := firstDiff(got[g], want[g]); msg != "" {
				t.Fatalf("round %d, goroutine %d: a serial product changed: %s", round, g, msg)
			}
		}
	}
}

// firstDiff describes the first element whose bits differ, or is "".
func firstDiff(got, want []float32) string {
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Sprintf("element %d is %v, was %v", i, got[i], want[i])
		}
	}
	return ""
}
