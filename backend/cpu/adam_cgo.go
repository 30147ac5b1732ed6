//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// adam_avx2 is adamGo's loop over the first n - n%8 elements, eight at a
// time with AVX2, and returns how many it did. The operations and their
// order are the Go loop's, with no FMA (products and sums round separately,
// as in Go), and vsqrtps and vdivps round as Go's float32 square root and
// division do, so every element gets the Go loop's bits.
__attribute__((target("avx2")))
static long adam_avx2(float *p, const float *g, float *m, float *v, long n,
		float b1, float b2, float eps, float step, float inv, float decay, float l2) {
	const __m256 vb1 = _mm256_set1_ps(b1), vc1 = _mm256_set1_ps(1.0f - b1);
	const __m256 vb2 = _mm256_set1_ps(b2), vc2 = _mm256_set1_ps(1.0f - b2);
	const __m256 veps = _mm256_set1_ps(eps), vstep = _mm256_set1_ps(step), vinv = _mm256_set1_ps(inv);
	const __m256 vdecay = _mm256_set1_ps(decay), vl2 = _mm256_set1_ps(l2);
	long i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 pi = _mm256_mul_ps(_mm256_loadu_ps(p + i), vdecay);
		__m256 gi = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(vl2, pi));
		__m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(vc1, gi));
		__m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(vc2, gi), gi));
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		__m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vi), vinv), veps);
		_mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_div_ps(_mm256_mul_ps(vstep, mi), den)));
	}
	return i;
}

static int have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import "unsafe"

var avx2 = C.have_avx2() != 0

// adamChunk runs adamGo's loop over p, g, m, v (of one length): the bulk
// with AVX2 in C when the processor has it, the rest in Go.
func adamChunk(p, g, m, v []float32, b1, b2, eps, step, inv, decay, l2 float32) {
	done := 0
	if avx2 && len(p) >= 8 {
		done = int(C.adam_avx2((*C.float)(unsafe.Pointer(&p[0])), (*C.float)(unsafe.Pointer(&g[0])),
			(*C.float)(unsafe.Pointer(&m[0])), (*C.float)(unsafe.Pointer(&v[0])), C.long(len(p)),
			C.float(b1), C.float(b2), C.float(eps), C.float(step), C.float(inv), C.float(decay), C.float(l2)))
	}
	adamGo(p[done:], g[done:], m[done:], v[done:], b1, b2, eps, step, inv, decay, l2)
}

const adamInC = true
