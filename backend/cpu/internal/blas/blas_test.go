package blas

import (
	"math"
	"runtime"
	"testing"
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
// against a float64 product, when the machine has a BLAS.
func TestSgemm(t *testing.T) {
	lib, err := Load()
	if err != nil {
		t.Skipf("no BLAS: %v", err)
	}
	t.Logf("loaded %s (%s), %d threads", lib.Name, lib.Path, lib.Threads())
	const m, n, k = 37, 29, 53
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
					t.Fatalf("transA %v transB %v: c[%d,%d] = %v, want %v", tr.a, tr.b, i, j, c[i*n+j], want)
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

// TestThreadsHoldOnEveryThread: OpenBLAS's OpenMP build takes the thread
// count from the calling OS thread's OpenMP setting (omp_set_num_threads is
// per thread), and Go calls the library from many threads: a product
// gives SetThreads's count to the thread it runs on, once per thread.
func TestThreadsHoldOnEveryThread(t *testing.T) {
	lib, err := Load()
	if err != nil {
		t.Skipf("no BLAS: %v", err)
	}
	if !haveCgo || lib.setSym == 0 {
		t.Skip("without cgo or openblas_set_num_threads there is no per-thread count to give")
	}
	lib.SetThreads(1)
	defer lib.SetThreads(runtime.GOMAXPROCS(0))
	product := func() int { // two products on a fresh OS thread; the sets they made
		done := make(chan int)
		go func() {
			runtime.LockOSThread() // a thread of its own, never used before or after
			before := threadSets()
			a, c := make([]float32, 4), make([]float32, 4)
			lib.Sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
			lib.Sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
			done <- threadSets() - before
		}()
		return <-done
	}
	for i := 0; i < 2; i++ {
		if n := product(); n != 1 {
			t.Errorf("thread %d: the count was given %d times for two products, want once", i, n)
		}
	}
}
