//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// relu_avx2 and relu_backward_avx2 are relu32 and reluBackward32 over the
// first n - n%8 elements, eight at a time with AVX2, and return how many
// they did. They test the same bit ranges with integer arithmetic, so every
// element gets the Go functions' bits. An unsigned a < c is the signed
// (a ^ 2^31) < (c ^ 2^31).

__attribute__((target("avx2")))
static long relu_avx2(float *d, const float *s, long n) {
	const __m256i one = _mm256_set1_epi32((int)0x80000001u), flip = _mm256_set1_epi32((int)0x80000000u);
	const __m256i lim = _mm256_set1_epi32((int)(0x7f800000u ^ 0x80000000u));
	long i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256i b = _mm256_loadu_si256((const __m256i *)(s + i));
		// cleared when b − 0x80000001 < 0x7f800000, unsigned: x < 0.
		__m256i neg = _mm256_cmpgt_epi32(lim, _mm256_xor_si256(_mm256_sub_epi32(b, one), flip));
		_mm256_storeu_si256((__m256i *)(d + i), _mm256_andnot_si256(neg, b));
	}
	return i;
}

__attribute__((target("avx2")))
static long relu_backward_avx2(float *d, const float *g, const float *x, long n) {
	const __m256i one = _mm256_set1_epi32(1), flip = _mm256_set1_epi32((int)0x80000000u);
	const __m256i lim = _mm256_set1_epi32((int)(0x7f800000u ^ 0x80000000u)), inf = _mm256_set1_epi32(0x7f800000);
	const __m256i abs = _mm256_set1_epi32(0x7fffffff);
	long i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256i b = _mm256_loadu_si256((const __m256i *)(x + i));
		// x > 0: b − 1 < 0x7f800000, unsigned; NaN: |b| > 0x7f800000.
		__m256i pos = _mm256_cmpgt_epi32(lim, _mm256_xor_si256(_mm256_sub_epi32(b, one), flip));
		__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(b, abs), inf);
		__m256i gi = _mm256_loadu_si256((const __m256i *)(g + i));
		_mm256_storeu_si256((__m256i *)(d + i), _mm256_and_si256(gi, _mm256_or_si256(pos, nan)));
	}
	return i;
}

static int relu_have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import "unsafe"

var reluAVX2 = C.relu_have_avx2() != 0

// reluInCMin is the length from which the loops run in C: a cgo call costs
// tens of nanoseconds, what the Go loop takes for a few dozen elements.
const reluInCMin = 64

// reluChunk sets d = relu32(s) (d and s of one length, or d shorter): the
// bulk in C with AVX2 when the processor has it and d is long enough, the
// rest in Go.
func reluChunk(d, s []float32) {
	done := 0
	if reluAVX2 && len(d) >= reluInCMin {
		done = int(C.relu_avx2((*C.float)(unsafe.Pointer(&d[0])), (*C.float)(unsafe.Pointer(&s[0])), C.long(len(d))))
	}
	reluGo(d[done:], s[done:])
}

// reluBackwardChunk sets d = reluBackward32(g, x), as reluChunk does.
func reluBackwardChunk(d, g, x []float32) {
	done := 0
	if reluAVX2 && len(d) >= reluInCMin {
		done = int(C.relu_backward_avx2((*C.float)(unsafe.Pointer(&d[0])), (*C.float)(unsafe.Pointer(&g[0])),
			(*C.float)(unsafe.Pointer(&x[0])), C.long(len(d))))
	}
	reluBackwardGo(d[done:], g[done:], x[done:])
}

const reluInC = true
