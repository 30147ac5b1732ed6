//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "avx2_exp.h"

// causal_softmax_rows is causalSoftmaxForward (attention.go) over rows
// r0 ≤ r < r1 of n columns, row r at query position r % n, with the
// exponentials four at a time in float64 (exp_pd, about 1e-14 relative)
// and summed in four lanes, added up as (l0 + l1) + (l2 + l3) at the end:
// the same steps as the Go loop but for those two, so each p is within
// an ulp of its result. Each row's bits depend on the row alone. p may
// be s.
__attribute__((target("avx2,fma")))
static void causal_softmax_rows(float *p, const float *s, long n, long r0, long r1) {
	const __m128i lane = _mm_setr_epi32(0, 1, 2, 3);
	for (long r = r0; r < r1; r++) {
		float *pr = p + r * n;
		const float *sr = s + r * n;
		long t = r % n;
		float mx = -INFINITY;
		int bad = 0;
		for (long j = 0; j <= t; j++) {
			float v = sr[j];
			if (v > mx) mx = v;
			else if (v != v) bad = 1;
		}
		double mu = mx;
		if (bad || isinf(mu)) {
			for (long j = 0; j <= t; j++) pr[j] = NAN;
		} else {
			__m256d sum = _mm256_setzero_pd(), vmu = _mm256_set1_pd(mu), lo = _mm256_set1_pd(-700);
			for (long j = 0; j <= t; j += 4) {
				long k = t + 1 - j;
				__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(k < 4 ? (int)k : 4), lane);
				__m128 v = k >= 4 ? _mm_loadu_ps(sr + j) : _mm_maskload_ps(sr + j, m);
				__m256d e = exp_pd(_mm256_max_pd(_mm256_sub_pd(_mm256_cvtps_pd(v), vmu), lo));
				e = _mm256_and_pd(e, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(m))); // lanes past t add nothing
				sum = _mm256_add_pd(sum, e);
				if (k >= 4) _mm_storeu_ps(pr + j, _mm256_cvtpd_ps(e));
				else _mm_maskstore_ps(pr + j, m, _mm256_cvtpd_ps(e));
			}
			double l[4];
			_mm256_storeu_pd(l, sum);
			double inv = 1 / ((l[0] + l[1]) + (l[2] + l[3]));
			for (long j = 0; j <= t; j++) pr[j] = (float)((double)pr[j] * inv);
		}
		memset(pr + t + 1, 0, (size_t)(n - t - 1) * sizeof(float));
	}
}

// causal_softmax_backward_rows is causalSoftmaxBackward (attention.go) over
// rows r0 ≤ r < r1 of n columns, row r at query position r % n, with the
// dot product Σ p_k·dp_k summed in four float64 lanes, added up as
// (l0 + l1) + (l2 + l3): within an ulp of the Go loop where the sum does
// not cancel. ds may be dp.
__attribute__((target("avx2,fma")))
static void causal_softmax_backward_rows(float *ds, const float *p, const float *dp, long n, long r0, long r1) {
	const __m128i lane = _mm_setr_epi32(0, 1, 2, 3);
	for (long r = r0; r < r1; r++) {
		float *dr = ds + r * n;
		const float *pr = p + r * n, *gr = dp + r * n;
		long t = r % n;
		__m256d dot = _mm256_setzero_pd();
		for (long j = 0; j <= t; j += 4) {
			long k = t + 1 - j;
			__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(k < 4 ? (int)k : 4), lane);
			__m128 a = k >= 4 ? _mm_loadu_ps(pr + j) : _mm_maskload_ps(pr + j, m);
			__m128 b = k >= 4 ? _mm_loadu_ps(gr + j) : _mm_maskload_ps(gr + j, m);
			dot = _mm256_add_pd(dot, _mm256_mul_pd(_mm256_cvtps_pd(a), _mm256_cvtps_pd(b)));
		}
		double l[4];
		_mm256_storeu_pd(l, dot);
		__m256d d = _mm256_set1_pd((l[0] + l[1]) + (l[2] + l[3]));
		for (long j = 0; j <= t; j += 4) {
			long k = t + 1 - j;
			__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(k < 4 ? (int)k : 4), lane);
			__m128 a = k >= 4 ? _mm_loadu_ps(pr + j) : _mm_maskload_ps(pr + j, m);
			__m128 b = k >= 4 ? _mm_loadu_ps(gr + j) : _mm_maskload_ps(gr + j, m);
			__m128 y = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(a), _mm256_sub_pd(_mm256_cvtps_pd(b), d)));
			if (k >= 4) _mm_storeu_ps(dr + j, y);
			else _mm_maskstore_ps(dr + j, m, y);
		}
		memset(dr + t + 1, 0, (size_t)(n - t - 1) * sizeof(float));
	}
}

static int causal_have_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
*/
import "C"

import "unsafe"

var causalAVX2 = C.causal_have_avx2() != 0

// causalSoftmaxBackwardRows runs causalSoftmaxBackward over rows
// lo ≤ r < hi of the (rows, n) ds, p and dp, row r at query position
// r % n: in C with AVX2 and FMA when the processor has them (see
// attention_cgo.go), else in Go.
func causalSoftmaxBackwardRows(ds, p, dp []float32, n, lo, hi int) {
	if !causalAVX2 || hi <= lo {
		causalSoftmaxBackwardRowsGo(ds, p, dp, n, lo, hi)
		return
	}
	C.causal_softmax_backward_rows((*C.float)(unsafe.Pointer(&ds[0])), (*C.float)(unsafe.Pointer(&p[0])),
		(*C.float)(unsafe.Pointer(&dp[0])), C.long(n), C.long(lo), C.long(hi))
}

// causalSoftmaxRows runs causalSoftmaxForward over rows lo ≤ r < hi of
// the (rows, n) p and s, row r at query position r % n: in C with AVX2 and
// FMA when the processor has them (within an ulp of the Go loop, see
// attention_cgo.go), else in Go.
func causalSoftmaxRows(p, s []float32, n, lo, hi int) {
	if !causalAVX2 || hi <= lo {
		causalSoftmaxRowsGo(p, s, n, lo, hi)
		return
	}
	C.causal_softmax_rows((*C.float)(unsafe.Pointer(&p[0])), (*C.float)(unsafe.Pointer(&s[0])), C.long(n), C.long(lo), C.long(hi))
}
