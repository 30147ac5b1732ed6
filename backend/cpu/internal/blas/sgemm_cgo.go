//go:build cgo

package blas

/*
#include <stdint.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
	const float *, int, float, float *, int);

// call_sgemm calls cblas_sgemm through the address dlsym gave: a plain C
// call, which costs tens of nanoseconds where purego's reflection costs a
// microsecond and a dozen allocations.
static void call_sgemm(uintptr_t fn, int order, int ta, int tb, int m, int n, int k,
		float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
	((sgemm_fn)fn)(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import "unsafe"

// callSgemm calls cblas_sgemm at address fn with cgo.
func callSgemm(fn uintptr, order, ta, tb, m, n, k int32, alpha float32, a *float32, lda int32,
	b *float32, ldb int32, beta float32, c *float32, ldc int32) {
	C.call_sgemm(C.uintptr_t(fn), C.int(order), C.int(ta), C.int(tb), C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(a)), C.int(lda), (*C.float)(unsafe.Pointer(b)), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(c)), C.int(ldc))
}

const haveCgo = true
