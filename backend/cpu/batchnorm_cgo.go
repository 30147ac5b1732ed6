//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// bn_pair returns two sums by value: a Go pointer passed to C would make
// the Go side allocate its target on the heap at every call.
typedef struct { double a, b; } bn_pair;

// The BatchNorm loops of batchnorm.go with AVX2 in float64, four lanes at
// a time: lane k holds the elements j ≡ k (mod 4), as the Go loops' four
// interleaved accumulators do, and every product and sum is the Go
// expression's, in its order, without fused multiply-adds (the target is
// avx2, not fma), so each result has the Go loops' bits.

__attribute__((target("avx2")))
static bn_pair bn_shifted_sums(const float *x, long n, double k) {
	__m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd(), kv = _mm256_set1_pd(k);
	long j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), kv);
		a = _mm256_add_pd(a, d);
		b = _mm256_add_pd(b, _mm256_mul_pd(d, d));
	}
	double la[4], lb[4];
	_mm256_storeu_pd(la, a);
	_mm256_storeu_pd(lb, b);
	for (int i = 0; j < n; j++, i++) {
		double d = (double)x[j] - k;
		la[i] += d;
		lb[i] += d * d;
	}
	bn_pair r = {(la[0] + la[1]) + (la[2] + la[3]), (lb[0] + lb[1]) + (lb[2] + lb[3])};
	return r;
}

__attribute__((target("avx2")))
static void bn_apply(float *y, const float *x, long n, double s, double t) {
	__m256d sv = _mm256_set1_pd(s), tv = _mm256_set1_pd(t);
	long j = 0;
	for (; j + 4 <= n; j += 4)
		_mm_storeu_ps(y + j, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), sv), tv)));
	for (; j < n; j++) y[j] = (float)((double)x[j] * s + t);
}

__attribute__((target("avx2")))
static bn_pair bn_dy_sums(const float *dy, const float *x, long n, double mu) {
	__m256d b = _mm256_setzero_pd(), s = _mm256_setzero_pd(), mv = _mm256_set1_pd(mu);
	long j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d g = _mm256_cvtps_pd(_mm_loadu_ps(dy + j));
		b = _mm256_add_pd(b, g);
		s = _mm256_add_pd(s, _mm256_mul_pd(g, _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), mv)));
	}
	double lb[4], ls[4];
	_mm256_storeu_pd(lb, b);
	_mm256_storeu_pd(ls, s);
	for (int k = 0; j < n; j++, k++) {
		double g = (double)dy[j];
		lb[k] += g;
		ls[k] += g * ((double)x[j] - mu);
	}
	bn_pair r = {(lb[0] + lb[1]) + (lb[2] + lb[3]), (ls[0] + ls[1]) + (ls[2] + ls[3])};
	return r;
}

__attribute__((target("avx2")))
static void bn_dx(float *dx, const float *dy, const float *x, long n, double k1, double k2, double k3) {
	__m256d a = _mm256_set1_pd(k1), b = _mm256_set1_pd(k2), c = _mm256_set1_pd(k3);
	long j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d v = _mm256_add_pd(_mm256_mul_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(dy + j))),
		                          _mm256_mul_pd(b, _mm256_cvtps_pd(_mm_loadu_ps(x + j))));
		_mm_storeu_ps(dx + j, _mm256_cvtpd_ps(_mm256_add_pd(v, c)));
	}
	for (; j < n; j++) dx[j] = (float)(k1 * (double)dy[j] + k2 * (double)x[j] + k3);
}

static int bn_have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import "unsafe"

var batchNormAVX2 = C.bn_have_avx2() != 0

const batchNormInC = true

// bnInCMin is the span from which the loops run in C: a cgo call costs
// tens of nanoseconds (a BatchNorm1d's spans are one value each).
const bnInCMin = 32

func bnPtr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(&s[0])) }

// shiftedSumsChunk is shiftedSums, in C with AVX2 for long spans.
func shiftedSumsChunk(x []float32, k float64) (s, q float64) {
	if !batchNormAVX2 || len(x) < bnInCMin {
		return shiftedSums(x, k)
	}
	r := C.bn_shifted_sums(bnPtr(x), C.long(len(x)), C.double(k))
	return float64(r.a), float64(r.b)
}

// applyChunk sets y = x·s + t (batchNormApply's loop), in C for long spans.
func applyChunk(y, x []float32, s, t float64) {
	if !batchNormAVX2 || len(x) < bnInCMin {
		applyGo(y, x, s, t)
		return
	}
	C.bn_apply(bnPtr(y), bnPtr(x), C.long(len(x)), C.double(s), C.double(t))
}

// dySumsChunk is dySums, in C for long spans.
func dySumsChunk(dy, x []float32, mu float64) (sb, sx float64) {
	if !batchNormAVX2 || len(x) < bnInCMin {
		return dySums(dy, x, mu)
	}
	r := C.bn_dy_sums(bnPtr(dy), bnPtr(x), C.long(len(x)), C.double(mu))
	return float64(r.a), float64(r.b)
}

// dxChunk sets dx = k1·dy + k2·x + k3 (batchNormBackward's loop), in C
// for long spans.
func dxChunk(dx, dy, x []float32, k1, k2, k3 float64) {
	if !batchNormAVX2 || len(x) < bnInCMin {
		dxGo(dx, dy, x, k1, k2, k3)
		return
	}
	C.bn_dx(bnPtr(dx), bnPtr(dy), bnPtr(x), C.long(len(x)), C.double(k1), C.double(k2), C.double(k3))
}
