// avx2_exp.h: float64 helpers for the AVX2+FMA loops of gelu_cgo.go and
// softmax_cgo.go (included by their cgo preambles; functions are static,
// so each file has its own copy).

#ifndef GLTRAIN_AVX2_EXP_H
#define GLTRAIN_AVX2_EXP_H

#include <immintrin.h>

// poly is c[0] + z·(c[1] + z·(… c[k-1])), Horner's rule, unrolled (k is
// a constant at every call).
__attribute__((target("avx2,fma")))
static inline __attribute__((always_inline)) __m256d poly(const double *c, int k, __m256d z) {
	__m256d r = _mm256_set1_pd(c[k - 1]);
#pragma GCC unroll 16
	for (int i = k - 2; i >= 0; i--) r = _mm256_fmadd_pd(r, z, _mm256_set1_pd(c[i]));
	return r;
}

// exp_pd is exp(t) for t in [−700, 0], to about 1e-14 relative:
// t = n·ln2 + r, |r| ≤ ln2/2, with ln2 split so that n·ln2hi is exact,
// then 2ⁿ·Σ rᵏ/k! to k = 11 (the remainder is below 7e-15 relative).
__attribute__((target("avx2,fma")))
static inline __attribute__((always_inline)) __m256d exp_pd(__m256d t) {
	const __m256d magic = _mm256_set1_pd(6755399441055744.0); // 2^52 + 2^51: rounds to an integer in the low bits
	__m256d n = _mm256_round_pd(_mm256_mul_pd(t, _mm256_set1_pd(1.44269504088896338700e+00)),
		_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), t);
	r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
	static const double inv[12] = {1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
		1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800};
	__m256d p = poly(inv, 12, r);
	__m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n, magic)), _mm256_castpd_si256(magic)); // n
	__m256i scale = _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52);          // 2ⁿ
	return _mm256_mul_pd(p, _mm256_castsi256_pd(scale));
}

#endif
