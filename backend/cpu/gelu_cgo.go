//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include "avx2_exp.h"

// The exact GELU, x·Φ(x), and its derivative Φ(x) + x·φ(x), eight float32
// elements at a time with AVX2 and FMA, each evaluated in float64 four
// lanes at a time and rounded once to float32, as the table's reference
// does. erfc is FreeBSD's s_erf.c (Go's math.Erfc), its four ranges'
// rational functions with their coefficients, here with a plain
// exp(−a² − 0.5625 + R/S) where s_erf.c splits a² to keep 1e-16; exp is a
// Cody–Waite reduction by ln 2 and a degree-11 Taylor polynomial. Both are
// good to about 1e-13 relative, 10⁻⁶ of a float32 ulp, so a result differs
// from the reference's only where the float64 value lies that close to a
// rounding boundary, by one ulp. See gelu.go.
//
// Lanes with |x| > 30 or NaN ("odd" lanes: there Φ is 0 or 1 to float64's
// precision, or x is ±Inf or NaN) are not stored; the functions return how
// many there were, and Go gives them the reference's values. The last
// n % 8 elements go through the same arithmetic under a mask, so an
// element's bits do not depend on where a chunk starts.

#define GELU_ODD 30.0f

static const double erx = 8.45062911510467529297e-01;
static const double pp[5] = {1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
	-5.77027029648944159157e-03, -2.37630166566501626084e-05};
static const double qq[6] = {1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
	1.32494738004321644526e-04, -3.96022827877536812320e-06};
static const double pa[7] = {-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
	3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03};
static const double qa[7] = {1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
	1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02};
static const double ra[8] = {-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
	-6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02, -8.12874355063065934246e+01,
	-9.81432934416914548592e+00};
static const double sa[9] = {1, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
	6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02, 6.57024977031928170135e+00,
	-6.04244152148580987438e-02};
static const double rb[7] = {-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
	-1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03, -4.83519191608651397019e+02};
static const double sb[8] = {1, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
	3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02, -2.24409524465858183362e+01};

// phi_pd sets *cdf = Φ(x) and returns φ(x) = exp(−x²/2)/√(2π) when want_pdf,
// for |x| ≤ 30. With a = |x|/√2, e = erfc(a) and Φ(x) = e/2 for x < 0,
// 1 − e/2 otherwise; erfc takes the ranges a < 0.84375, < 1.25, < 1/0.35
// and beyond, each computed only when some lane is in it.
__attribute__((target("avx2,fma")))
static inline __attribute__((always_inline)) __m256d phi_pd(__m256d x, __m256d *cdf, int want_pdf) {
	const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
	const __m256d one = _mm256_set1_pd(1), half = _mm256_set1_pd(0.5);
	__m256d a = _mm256_mul_pd(_mm256_and_pd(x, absmask), _mm256_set1_pd(0.70710678118654752440));
	__m256d a2 = _mm256_mul_pd(a, a);
	__m256d m1 = _mm256_cmp_pd(a, _mm256_set1_pd(0.84375), _CMP_LT_OQ);
	__m256d m2 = _mm256_andnot_pd(m1, _mm256_cmp_pd(a, _mm256_set1_pd(1.25), _CMP_LT_OQ));
	__m256d m34 = _mm256_cmp_pd(a, _mm256_set1_pd(1.25), _CMP_GE_OQ);
	__m256d m3 = _mm256_and_pd(m34, _mm256_cmp_pd(a, _mm256_set1_pd(1 / 0.35), _CMP_LT_OQ));
	__m256d e = _mm256_setzero_pd();
	if (_mm256_movemask_pd(m1)) {
		__m256d y = _mm256_div_pd(poly(pp, 5, a2), poly(qq, 6, a2));
		__m256d e1 = _mm256_sub_pd(one, _mm256_add_pd(a, _mm256_mul_pd(a, y)));
		e = _mm256_blendv_pd(e, e1, m1);
	}
	if (_mm256_movemask_pd(m2)) {
		__m256d s = _mm256_sub_pd(a, one);
		__m256d e2 = _mm256_sub_pd(_mm256_sub_pd(one, _mm256_set1_pd(erx)), _mm256_div_pd(poly(pa, 7, s), poly(qa, 7, s)));
		e = _mm256_blendv_pd(e, e2, m2);
	}
	if (_mm256_movemask_pd(m34)) {
		__m256d s = _mm256_div_pd(one, a2), rs;
		if (_mm256_movemask_pd(m3) == _mm256_movemask_pd(m34)) {
			rs = _mm256_div_pd(poly(ra, 8, s), poly(sa, 9, s));
		} else if (_mm256_movemask_pd(m3) == 0) {
			rs = _mm256_div_pd(poly(rb, 7, s), poly(sb, 8, s));
		} else {
			rs = _mm256_blendv_pd(_mm256_div_pd(poly(rb, 7, s), poly(sb, 8, s)),
				_mm256_div_pd(poly(ra, 8, s), poly(sa, 9, s)), m3);
		}
		// Lanes below 1.25 take exp of a harmless value and are not blended.
		__m256d t = _mm256_add_pd(_mm256_sub_pd(_mm256_set1_pd(-0.5625), a2), rs);
		__m256d e34 = _mm256_div_pd(exp_pd(_mm256_min_pd(t, _mm256_setzero_pd())), a);
		e = _mm256_blendv_pd(e, e34, m34);
	}
	__m256d he = _mm256_mul_pd(half, e);
	*cdf = _mm256_blendv_pd(_mm256_sub_pd(one, he), he, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ));
	if (!want_pdf) return _mm256_setzero_pd();
	return _mm256_mul_pd(exp_pd(_mm256_sub_pd(_mm256_setzero_pd(), a2)), _mm256_set1_pd(0.39894228040143267794));
}

// gelu_load reads the eight elements at s (the first k when k < 8, the rest
// zero) and returns their mask of ordinary lanes (|x| ≤ 30 and, with k < 8,
// lane < k), all ones where set, as 32-bit integers.
__attribute__((target("avx2,fma")))
static inline __m256 gelu_load(const float *s, long k, __m256i *store) {
	__m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(k < 8 ? (int)k : 8), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	__m256 x = k >= 8 ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); // a masked load is slow on some processors
	__m256 ax = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
	__m256 ok = _mm256_cmp_ps(ax, _mm256_set1_ps(GELU_ODD), _CMP_LE_OQ);
	*store = _mm256_and_si256(tail, _mm256_castps_si256(ok));
	return _mm256_and_ps(x, ok); // odd lanes compute on 0
}

// gelu_store writes y's lanes in store to d and returns how many of the
// first k (at most 8) it did not write.
__attribute__((target("avx2,fma")))
static inline int gelu_store(float *d, long k, __m256i store, __m256 y) {
	int m = _mm256_movemask_ps(_mm256_castsi256_ps(store));
	if (m == 0xff) {
		_mm256_storeu_ps(d, y);
		return 0;
	}
	_mm256_maskstore_ps(d, store, y);
	return (k < 8 ? (int)k : 8) - __builtin_popcount(m);
}

// gelu_forward_avx2 sets d[i] = float32(x·Φ(x)) for x = s[i], i < n, except
// at odd lanes, and returns their number.
__attribute__((target("avx2,fma")))
static long gelu_forward_avx2(float *d, const float *s, long n) {
	long odd = 0;
	for (long i = 0; i < n; i += 8) {
		__m256i st;
		__m256 x = gelu_load(s + i, n - i, &st);
		__m256d xs[2] = {_mm256_cvtps_pd(_mm256_castps256_ps128(x)), _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))};
		__m128 y[2];
		for (int h = 0; h < 2; h++) {
			__m256d cdf;
			phi_pd(xs[h], &cdf, 0);
			y[h] = _mm256_cvtpd_ps(_mm256_mul_pd(xs[h], cdf));
		}
		odd += gelu_store(d + i, n - i, st, _mm256_set_m128(y[1], y[0]));
	}
	return odd;
}

// gelu_backward_avx2 sets d[i] = float32(g[i]·(Φ(x) + x·φ(x))) for x = x[i],
// i < n, except at odd lanes, and returns their number.
__attribute__((target("avx2,fma")))
static long gelu_backward_avx2(float *d, const float *g, const float *xp, long n) {
	long odd = 0;
	for (long i = 0; i < n; i += 8) {
		__m256i st;
		__m256 x = gelu_load(xp + i, n - i, &st);
		__m256 gv = _mm256_movemask_ps(_mm256_castsi256_ps(st)) == 0xff ? _mm256_loadu_ps(g + i) : _mm256_maskload_ps(g + i, st);
		__m256d xs[2] = {_mm256_cvtps_pd(_mm256_castps256_ps128(x)), _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))};
		__m256d gs[2] = {_mm256_cvtps_pd(_mm256_castps256_ps128(gv)), _mm256_cvtps_pd(_mm256_extractf128_ps(gv, 1))};
		__m128 y[2];
		for (int h = 0; h < 2; h++) {
			__m256d cdf, pdf = phi_pd(xs[h], &cdf, 1);
			__m256d df = _mm256_add_pd(cdf, _mm256_mul_pd(xs[h], pdf));
			y[h] = _mm256_cvtpd_ps(_mm256_mul_pd(gs[h], df));
		}
		odd += gelu_store(d + i, n - i, st, _mm256_set_m128(y[1], y[0]));
	}
	return odd;
}

static int gelu_have_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
*/
import "C"

import "unsafe"

var geluAVX2 = C.gelu_have_avx2() != 0 // and FMA

// geluChunk sets d = GELU(s) (d no longer than s): with AVX2, every element
// in C (see gelu.go for the accuracy) and the odd ones (|x| > 30, ±Inf,
// NaN) by the reference; without it, all by the reference.
func geluChunk(d, s []float32) {
	if !geluAVX2 || len(d) == 0 {
		geluGo(d, s)
		return
	}
	if C.gelu_forward_avx2((*C.float)(unsafe.Pointer(&d[0])), (*C.float)(unsafe.Pointer(&s[0])), C.long(len(d))) != 0 {
		geluOdd(d, s)
	}
}

// geluBackwardChunk sets d = g ⊙ GELU'(x), as geluChunk does.
func geluBackwardChunk(d, g, x []float32) {
	if !geluAVX2 || len(d) == 0 {
		geluBackwardGo(d, g, x)
		return
	}
	if C.gelu_backward_avx2((*C.float)(unsafe.Pointer(&d[0])), (*C.float)(unsafe.Pointer(&g[0])),
		(*C.float)(unsafe.Pointer(&x[0])), C.long(len(d))) != 0 {
		geluBackwardOdd(d, g, x)
	}
}

const geluInC = true
