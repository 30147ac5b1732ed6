//go:build cgo

package blas

/*
#include <pthread.h>
#include <stdint.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
	const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);

// gltrain_threads is the thread count this OS thread last gave OpenBLAS,
// and gltrain_global the count any thread last gave it. An OpenMP build
// keeps the count in two places: per thread (omp_set_num_threads, which
// decides how many threads a product may use) and in one global
// (blas_cpu_number: at 1, every thread's products run on one thread). So
// a call sets the count when either differs from what it wants: its own
// thread's, once per thread, and the global, after another thread set a
// different one (a small product on one thread, say, see SerialBelow).
static __thread int gltrain_threads;
static int gltrain_global;

// Products on one thread may run side by side, but a change of the count
// must not run beside any product: the OpenMP build's
// openblas_set_num_threads frees and reallocates the buffers of its
// threads (adjust_thread_buffers), and two changes at once, while
// convolutions ran their images' products on two goroutines, made the
// products now and then give other bits. Nor may a product that can use
// the library's threads run beside another, since those buffers are
// shared. So a product on one thread with the count already right holds
// gltrain_lock to read; any other product holds it to write. (Counts change
// only under the write lock, so one found right under the read lock stays
// right.)
static pthread_rwlock_t gltrain_lock = PTHREAD_RWLOCK_INITIALIZER;

// gltrain_thread_sets counts the calls that set the count, gltrain_active
// the products running now, and gltrain_overlaps the changes of the count
// made while another product ran (for the tests).
static int gltrain_thread_sets, gltrain_active, gltrain_overlaps;

// call_sgemm calls cblas_sgemm through the address dlsym gave: a plain C
// call, which costs tens of nanoseconds where purego's reflection costs a
// microsecond and a dozen allocations. With threads > 0 it first gives the
// library that count, when this thread or the global holds another.
static int needs_set(uintptr_t set, int threads) {
	return set && threads > 0 && (gltrain_threads != threads || __atomic_load_n(&gltrain_global, __ATOMIC_RELAXED) != threads);
}

static void call_sgemm(uintptr_t fn, uintptr_t set, int threads, int order, int ta, int tb, int m, int n, int k,
		float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
	int shared = threads == 1 && !needs_set(set, threads);
	if (shared) {
		pthread_rwlock_rdlock(&gltrain_lock);
		if (needs_set(set, threads)) { // a threaded product changed the count meanwhile
			pthread_rwlock_unlock(&gltrain_lock);
			shared = 0;
		}
	}
	if (!shared) {
		pthread_rwlock_wrlock(&gltrain_lock);
	}
	if (needs_set(set, threads)) {
		if (__atomic_load_n(&gltrain_active, __ATOMIC_SEQ_CST) > 0) {
			__atomic_add_fetch(&gltrain_overlaps, 1, __ATOMIC_RELAXED);
		}
		((set_threads_fn)set)(threads);
		gltrain_threads = threads;
		__atomic_store_n(&gltrain_global, threads, __ATOMIC_RELAXED);
		__atomic_add_fetch(&gltrain_thread_sets, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&gltrain_active, 1, __ATOMIC_SEQ_CST);
	((sgemm_fn)fn)(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	__atomic_sub_fetch(&gltrain_active, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&gltrain_lock);
}

static int thread_sets(void) { return __atomic_load_n(&gltrain_thread_sets, __ATOMIC_RELAXED); }

static int count_overlaps(void) { return __atomic_load_n(&gltrain_overlaps, __ATOMIC_RELAXED); }

// thread_count is the count this OS thread last gave the library (for the
// tests).
static int thread_count(void) { return gltrain_threads; }
*/
import "C"

import "unsafe"

// callSgemm calls cblas_sgemm at address fn with cgo, first giving the
// library threads threads (set: openblas_set_num_threads) when this OS
// thread or the global count holds another.
func callSgemm(fn, set uintptr, threads, order, ta, tb, m, n, k int32, alpha float32, a *float32, lda int32,
	b *float32, ldb int32, beta float32, c *float32, ldc int32) {
	C.call_sgemm(C.uintptr_t(fn), C.uintptr_t(set), C.int(threads), C.int(order), C.int(ta), C.int(tb), C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(a)), C.int(lda), (*C.float)(unsafe.Pointer(b)), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(c)), C.int(ldc))
}

// threadSets is how many calls have set the library's thread count (for
// the tests).
func threadSets() int { return int(C.thread_sets()) }

// countOverlaps is how many times the count changed while another product
// ran (for the tests; 0 unless gltrain_lock fails).
func countOverlaps() int { return int(C.count_overlaps()) }

// threadCount is the thread count the calling OS thread last gave the
// library (for the tests; lock the goroutine to its thread around it).
func threadCount() int { return int(C.thread_count()) }

const haveCgo = true
