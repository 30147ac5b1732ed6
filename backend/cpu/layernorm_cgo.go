//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lm
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>
#include <math.h>

// The LayerNorm loops of layernorm.go with AVX2: the float64 sums four
// lanes a vector, lane k of sixteen holding the elements j ≡ k (mod 16) as
// the Go loops' interleaved accumulators do, and the float32 arithmetic
// eight lanes a vector; and with AVX-512 (the _512 functions), eight and
// sixteen lanes, the same sixteen float64 lanes in two vectors. Every
// product and sum is the Go expression's, in its order and without fused
// multiply-adds (fp-contract=off: AVX-512 brings fused multiply-adds, which the compiler
// would otherwise contract a product and a sum into), so each result has
// the Go loops' bits, whichever width runs.

// ln_pair returns two sums by value (a Go pointer passed for them would be
// heap-allocated at every call).
typedef struct { double s, q; } ln_pair;

// ln_tree16 adds sixteen lanes as lnTree16 does: pairwise, ((l0 + l1) +
// (l2 + l3)) + ((l4 + l5) + (l6 + l7)), and so on up the tree.
static double ln_tree16(const double *l) {
	double a = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
	double b = ((l[8] + l[9]) + (l[10] + l[11])) + ((l[12] + l[13]) + (l[14] + l[15]));
	return a + b;
}

// ln_sums_tail adds the elements j … n−1 (fewer than sixteen) to the lanes
// from 0 and returns the sums: the scalar end of ln_sums and ln_sums_512.
static inline ln_pair ln_sums_tail(const float *x, long j, long n, double k, double *la, double *lb) {
	for (int i = 0; j < n; j++, i++) {
		double d = (double)x[j] - k;
		la[i] += d;
		lb[i] += d * d;
	}
	ln_pair r = {ln_tree16(la), ln_tree16(lb)};
	return r;
}

// ln_row is a row's forward statistics: r = 1/σ and μ as hi + lo.
typedef struct { float r, hi, lo; } ln_row;

// ln_stats is a row's ln_row from its sums t about its first value k.
static inline ln_row ln_stats(ln_pair t, double k, long n, double eps) {
	double m = t.s / (double)n;
	double mu = k + m, v = t.q / (double)n - m * m;
	if (v < 0) v = 0;
	ln_row s;
	s.r = (float)(1 / sqrt(v + eps));
	s.hi = (float)mu;
	s.lo = (float)(mu - (double)s.hi);
	return s;
}

// ln_forward_tail is y for the elements j … n−1, one at a time.
static inline void ln_forward_tail(float *y, const float *x, const float *w, const float *b, long j, long n, ln_row s) {
	for (; j < n; j++) {
		float xh = ((x[j] - s.hi) - s.lo) * s.r;
		y[j] = xh * w[j] + b[j];
	}
}

// ln_backward_sums_tail adds the elements j … n−1 (fewer than sixteen) of
// g = dy·w and g·x̂ to the lanes from 0.
static inline void ln_backward_sums_tail(double *a, double *c, const float *dy, const float *w, const float *x,
                                         long j, long n, float mu, float r) {
	for (int k = 0; j < n; j++, k++) {
		float g = dy[j] * w[j];
		a[k] += (double)g;
		c[k] += (double)(g * ((x[j] - mu) * r));
	}
}

// ln_backward_tail is dx and the block's sums for the elements j … n−1.
static inline void ln_backward_tail(float *dx, float *sw, float *sb, const float *dy, const float *w, const float *x,
                                    long j, long n, float mu, float r, float mg, float mgx) {
	for (; j < n; j++) {
		float xh = (x[j] - mu) * r;
		float g = dy[j] * w[j];
		dx[j] = r * ((g - mg) - xh * mgx);
		sw[j] += dy[j] * xh;
		sb[j] += dy[j];
	}
}

// ln_sums is lnSums: Σ (x_j − k) and Σ (x_j − k)² over sixteen lanes each
// (element j into lane j mod 16: four vectors, four independent chains),
// then ln_tree16.
__attribute__((target("avx2")))
static ln_pair ln_sums(const float *x, long n, double k) {
	__m256d a[4], b[4], kv = _mm256_set1_pd(k);
	for (int v = 0; v < 4; v++) a[v] = b[v] = _mm256_setzero_pd();
	long j = 0;
	for (; j + 16 <= n; j += 16) {
		for (int v = 0; v < 4; v++) {
			__m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j + 4 * v)), kv);
			a[v] = _mm256_add_pd(a[v], d);
			b[v] = _mm256_add_pd(b[v], _mm256_mul_pd(d, d));
		}
	}
	double la[16], lb[16];
	for (int v = 0; v < 4; v++) {
		_mm256_storeu_pd(la + 4 * v, a[v]);
		_mm256_storeu_pd(lb + 4 * v, b[v]);
	}
	return ln_sums_tail(x, j, n, k, la, lb);
}

// ln_forward_rows is layerNormForward over rows rows of n: the sums in
// float64 (ln_sums), y in float32 eight lanes a vector.
__attribute__((target("avx2")))
static void ln_forward_rows(float *y, float *stats, const float *x, const float *w, const float *b,
                            long rows, long n, double eps) {
	for (long i = 0; i < rows; i++, x += n, y += n, stats += 2) {
		double k = x[0];
		ln_row s = ln_stats(ln_sums(x, n, k), k, n, eps);
		__m256 hv = _mm256_set1_ps(s.hi), lv = _mm256_set1_ps(s.lo), rv = _mm256_set1_ps(s.r);
		long j = 0;
		for (; j + 8 <= n; j += 8) {
			__m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), hv), lv), rv);
			_mm256_storeu_ps(y + j, _mm256_add_ps(_mm256_mul_ps(xh, _mm256_loadu_ps(w + j)), _mm256_loadu_ps(b + j)));
		}
		ln_forward_tail(y, x, w, b, j, n, s);
		stats[0] = s.hi;
		stats[1] = s.r;
	}
}

// ln_add4 adds the eight floats of v, widened, to the lanes a[0] (the low
// four) and a[1] (the high four).
__attribute__((target("avx2")))
static inline void ln_add4(__m256d *a, __m256 v) {
	a[0] = _mm256_add_pd(a[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
	a[1] = _mm256_add_pd(a[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

// ln_backward_rows is layerNormBackward over rows rows of n, with sw and
// sb the block's float32 sums of dw and db.
__attribute__((target("avx2")))
static void ln_backward_rows(float *dx, const float *dy, const float *x, const float *w, const float *stats,
                             long rows, long n, float *sw, float *sb) {
	for (long i = 0; i < rows; i++, x += n, dy += n, dx += n, stats += 2) {
		float mu = stats[0], r = stats[1];
		__m256 muv = _mm256_set1_ps(mu), rv = _mm256_set1_ps(r);
		__m256d sg[4], sgx[4];
		for (int v = 0; v < 4; v++) sg[v] = sgx[v] = _mm256_setzero_pd();
		long j = 0;
		for (; j + 16 <= n; j += 16) {
			for (int h = 0; h < 2; h++) {
				long o = j + 8 * h;
				__m256 g = _mm256_mul_ps(_mm256_loadu_ps(dy + o), _mm256_loadu_ps(w + o));
				__m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + o), muv), rv);
				ln_add4(sg + 2 * h, g);
				ln_add4(sgx + 2 * h, _mm256_mul_ps(g, xh));
			}
		}
		double a[16], c[16];
		for (int q = 0; q < 4; q++) {
			_mm256_storeu_pd(a + 4 * q, sg[q]);
			_mm256_storeu_pd(c + 4 * q, sgx[q]);
		}
		ln_backward_sums_tail(a, c, dy, w, x, j, n, mu, r);
		float mg = (float)(ln_tree16(a) / (double)n), mgx = (float)(ln_tree16(c) / (double)n);
		__m256 mgv = _mm256_set1_ps(mg), mgxv = _mm256_set1_ps(mgx);
		for (j = 0; j + 8 <= n; j += 8) {
			__m256 d = _mm256_loadu_ps(dy + j);
			__m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), muv), rv);
			__m256 g = _mm256_mul_ps(d, _mm256_loadu_ps(w + j));
			__m256 t = _mm256_sub_ps(_mm256_sub_ps(g, mgv), _mm256_mul_ps(xh, mgxv));
			_mm256_storeu_ps(dx + j, _mm256_mul_ps(rv, t));
			_mm256_storeu_ps(sw + j, _mm256_add_ps(_mm256_loadu_ps(sw + j), _mm256_mul_ps(d, xh)));
			_mm256_storeu_ps(sb + j, _mm256_add_ps(_mm256_loadu_ps(sb + j), d));
		}
		ln_backward_tail(dx, sw, sb, dy, w, x, j, n, mu, r, mg, mgx);
	}
}

// ln_high8 is the high eight floats of v.
__attribute__((target("avx512f")))
static inline __m256 ln_high8(__m512 v) {
	return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

// ln_sums_512 is ln_sums with AVX-512: elements j … j+7 of each sixteen in
// the lanes of a[0], j+8 … j+15 in a[1].
__attribute__((target("avx512f")))
static ln_pair ln_sums_512(const float *x, long n, double k) {
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, b0 = a0, b1 = a0, kv = _mm512_set1_pd(k);
	long j = 0;
	for (; j + 16 <= n; j += 16) {
		__m512d d0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + j)), kv);
		__m512d d1 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + j + 8)), kv);
		a0 = _mm512_add_pd(a0, d0);
		a1 = _mm512_add_pd(a1, d1);
		b0 = _mm512_add_pd(b0, _mm512_mul_pd(d0, d0));
		b1 = _mm512_add_pd(b1, _mm512_mul_pd(d1, d1));
	}
	double la[16], lb[16];
	_mm512_storeu_pd(la, a0);
	_mm512_storeu_pd(la + 8, a1);
	_mm512_storeu_pd(lb, b0);
	_mm512_storeu_pd(lb + 8, b1);
	return ln_sums_tail(x, j, n, k, la, lb);
}

// ln_forward_rows_512 is ln_forward_rows with AVX-512.
__attribute__((target("avx512f")))
static void ln_forward_rows_512(float *y, float *stats, const float *x, const float *w, const float *b,
                                long rows, long n, double eps) {
	for (long i = 0; i < rows; i++, x += n, y += n, stats += 2) {
		double k = x[0];
		ln_row s = ln_stats(ln_sums_512(x, n, k), k, n, eps);
		__m512 hv = _mm512_set1_ps(s.hi), lv = _mm512_set1_ps(s.lo), rv = _mm512_set1_ps(s.r);
		long j = 0;
		for (; j + 16 <= n; j += 16) {
			__m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j), hv), lv), rv);
			_mm512_storeu_ps(y + j, _mm512_add_ps(_mm512_mul_ps(xh, _mm512_loadu_ps(w + j)), _mm512_loadu_ps(b + j)));
		}
		ln_forward_tail(y, x, w, b, j, n, s);
		stats[0] = s.hi;
		stats[1] = s.r;
	}
}

// ln_add8 adds the sixteen floats of v, widened, to the lanes a[0] (the
// low eight) and a[1] (the high eight).
__attribute__((target("avx512f")))
static inline void ln_add8(__m512d *a, __m512 v) {
	a[0] = _mm512_add_pd(a[0], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
	a[1] = _mm512_add_pd(a[1], _mm512_cvtps_pd(ln_high8(v)));
}

// ln_backward_rows_512 is ln_backward_rows with AVX-512.
__attribute__((target("avx512f")))
static void ln_backward_rows_512(float *dx, const float *dy, const float *x, const float *w, const float *stats,
                                 long rows, long n, float *sw, float *sb) {
	for (long i = 0; i < rows; i++, x += n, dy += n, dx += n, stats += 2) {
		float mu = stats[0], r = stats[1];
		__m512 muv = _mm512_set1_ps(mu), rv = _mm512_set1_ps(r);
		__m512d sg[2], sgx[2];
		sg[0] = sg[1] = sgx[0] = sgx[1] = _mm512_setzero_pd();
		long j = 0;
		for (; j + 16 <= n; j += 16) {
			__m512 g = _mm512_mul_ps(_mm512_loadu_ps(dy + j), _mm512_loadu_ps(w + j));
			__m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j), muv), rv);
			ln_add8(sg, g);
			ln_add8(sgx, _mm512_mul_ps(g, xh));
		}
		double a[16], c[16];
		_mm512_storeu_pd(a, sg[0]);
		_mm512_storeu_pd(a + 8, sg[1]);
		_mm512_storeu_pd(c, sgx[0]);
		_mm512_storeu_pd(c + 8, sgx[1]);
		ln_backward_sums_tail(a, c, dy, w, x, j, n, mu, r);
		float mg = (float)(ln_tree16(a) / (double)n), mgx = (float)(ln_tree16(c) / (double)n);
		__m512 mgv = _mm512_set1_ps(mg), mgxv = _mm512_set1_ps(mgx);
		for (j = 0; j + 16 <= n; j += 16) {
			__m512 d = _mm512_loadu_ps(dy + j);
			__m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j), muv), rv);
			__m512 g = _mm512_mul_ps(d, _mm512_loadu_ps(w + j));
			__m512 t = _mm512_sub_ps(_mm512_sub_ps(g, mgv), _mm512_mul_ps(xh, mgxv));
			_mm512_storeu_ps(dx + j, _mm512_mul_ps(rv, t));
			_mm512_storeu_ps(sw + j, _mm512_add_ps(_mm512_loadu_ps(sw + j), _mm512_mul_ps(d, xh)));
			_mm512_storeu_ps(sb + j, _mm512_add_ps(_mm512_loadu_ps(sb + j), d));
		}
		ln_backward_tail(dx, sw, sb, dy, w, x, j, n, mu, r, mg, mgx);
	}
}

// ln_level is the widest vectors the processor has: 2 for AVX-512
// (avx512f), 1 for AVX2, 0 for neither.
static int ln_level(void) {
	if (__builtin_cpu_supports("avx512f")) return 2;
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}
*/
import "C"

import "unsafe"

// layerNormLevel is the widest vectors the LayerNorm loops use: 2 for
// AVX-512, 1 for AVX2, 0 for neither (the Go loops).
var layerNormLevel = int(C.ln_level())

const layerNormInC = true

func lnPtr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(&s[0])) }

// layerNormForwardRows runs layerNormForward on each row of x (rows of
// n), in C with the widest vectors the processor has.
func layerNormForwardRows(eps float64, y, stats, x, w, b []float32, n int) {
	layerNormForwardRowsAt(layerNormLevel, eps, y, stats, x, w, b, n)
}

// layerNormForwardRowsAt is layerNormForwardRows with vectors of level at
// most (see layerNormLevel).
func layerNormForwardRowsAt(level int, eps float64, y, stats, x, w, b []float32, n int) {
	switch {
	case len(x) == 0 || level <= 0:
		layerNormForwardRowsGo(eps, y, stats, x, w, b, n)
	case level == 1:
		C.ln_forward_rows(lnPtr(y), lnPtr(stats), lnPtr(x), lnPtr(w), lnPtr(b), C.long(len(x)/n), C.long(n), C.double(eps))
	default:
		C.ln_forward_rows_512(lnPtr(y), lnPtr(stats), lnPtr(x), lnPtr(w), lnPtr(b), C.long(len(x)/n), C.long(n), C.double(eps))
	}
}

// layerNormBackwardRows is layerNormBackwardRowsGo, in C with the widest
// vectors the processor has.
func layerNormBackwardRows(dx, dy, x, w, stats []float32, n int, sw, sb []float32) {
	layerNormBackwardRowsAt(layerNormLevel, dx, dy, x, w, stats, n, sw, sb)
}

// layerNormBackwardRowsAt is layerNormBackwardRows with vectors of level at
// most (see layerNormLevel).
func layerNormBackwardRowsAt(level int, dx, dy, x, w, stats []float32, n int, sw, sb []float32) {
	switch {
	case len(x) == 0 || level <= 0:
		layerNormBackwardRowsGo(dx, dy, x, w, stats, n, sw, sb)
	case level == 1:
		C.ln_backward_rows(lnPtr(dx), lnPtr(dy), lnPtr(x), lnPtr(w), lnPtr(stats), C.long(len(x)/n), C.long(n), lnPtr(sw), lnPtr(sb))
	default:
		C.ln_backward_rows_512(lnPtr(dx), lnPtr(dy), lnPtr(x), lnPtr(w), lnPtr(stats), C.long(len(x)/n), C.long(n), lnPtr(sw), lnPtr(sb))
	}
}
