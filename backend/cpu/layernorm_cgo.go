//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lm
#include <immintrin.h>
#include <math.h>

// The LayerNorm loops of layernorm.go with AVX2 in float64, four lanes at
// a time: lane k holds the elements j ≡ k (mod 4), as the Go loops' four
// interleaved accumulators do, and every product and sum is the Go
// expression's, in its order and without fused multiply-adds (the target is
// avx2, not fma, so the compiler cannot contract them), so each result has
// the Go loops' bits.

// ln_sum4 is sum4: Σ (x_j − c)^p over four lanes, then (a0 + a1) + (a2 + a3).
__attribute__((target("avx2")))
static double ln_sum4(const float *x, long n, double c, int p) {
	__m256d a = _mm256_setzero_pd(), cv = _mm256_set1_pd(c);
	long j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), cv);
		if (p == 2) d = _mm256_mul_pd(d, d);
		a = _mm256_add_pd(a, d);
	}
	double l[4];
	_mm256_storeu_pd(l, a);
	for (int k = 0; j < n; j++, k++) {
		double d = (double)x[j] - c;
		if (p == 2) d *= d;
		l[k] += d;
	}
	return (l[0] + l[1]) + (l[2] + l[3]);
}

// ln_forward_rows is layerNormForward over rows rows of n.
__attribute__((target("avx2")))
static void ln_forward_rows(float *y, float *stats, const float *x, const float *w, const float *b,
                            long rows, long n, double eps) {
	for (long i = 0; i < rows; i++, x += n, y += n, stats += 2) {
		double mu = ln_sum4(x, n, 0, 1) / (double)n;
		double r = 1 / sqrt(ln_sum4(x, n, mu, 2) / (double)n + eps);
		__m256d muv = _mm256_set1_pd(mu), rv = _mm256_set1_pd(r);
		long j = 0;
		for (; j + 4 <= n; j += 4) {
			__m256d v = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), muv);
			v = _mm256_mul_pd(_mm256_mul_pd(v, rv), _mm256_cvtps_pd(_mm_loadu_ps(w + j)));
			v = _mm256_add_pd(v, _mm256_cvtps_pd(_mm_loadu_ps(b + j)));
			_mm_storeu_ps(y + j, _mm256_cvtpd_ps(v));
		}
		for (; j < n; j++) y[j] = (float)(((double)x[j] - mu) * r * (double)w[j] + (double)b[j]);
		stats[0] = (float)mu;
		stats[1] = (float)r;
	}
}

// ln_backward_rows is layerNormBackward over rows rows of n.
__attribute__((target("avx2")))
static void ln_backward_rows(float *dx, const float *dy, const float *x, const float *w, const float *stats,
                             long rows, long n) {
	for (long i = 0; i < rows; i++, x += n, dy += n, dx += n, stats += 2) {
		double mu = stats[0], r = stats[1];
		__m256d muv = _mm256_set1_pd(mu), rv = _mm256_set1_pd(r);
		__m256d sg = _mm256_setzero_pd(), sgx = _mm256_setzero_pd();
		long j = 0;
		for (; j + 4 <= n; j += 4) {
			__m256d g = _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(dy + j)), _mm256_cvtps_pd(_mm_loadu_ps(w + j)));
			__m256d v = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), muv);
			sg = _mm256_add_pd(sg, g);
			sgx = _mm256_add_pd(sgx, _mm256_mul_pd(_mm256_mul_pd(g, v), rv));
		}
		double a[4], c[4];
		_mm256_storeu_pd(a, sg);
		_mm256_storeu_pd(c, sgx);
		for (int k = 0; j < n; j++, k++) {
			double g = (double)dy[j] * (double)w[j];
			a[k] += g;
			c[k] += g * ((double)x[j] - mu) * r;
		}
		double mg = ((a[0] + a[1]) + (a[2] + a[3])) / (double)n, mgx = ((c[0] + c[1]) + (c[2] + c[3])) / (double)n;
		__m256d mgv = _mm256_set1_pd(mg), mgxv = _mm256_set1_pd(mgx);
		for (j = 0; j + 4 <= n; j += 4) {
			__m256d xh = _mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), muv), rv);
			__m256d g = _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(dy + j)), _mm256_cvtps_pd(_mm_loadu_ps(w + j)));
			__m256d d = _mm256_sub_pd(_mm256_sub_pd(g, mgv), _mm256_mul_pd(xh, mgxv));
			_mm_storeu_ps(dx + j, _mm256_cvtpd_ps(_mm256_mul_pd(rv, d)));
		}
		for (; j < n; j++) {
			double xh = ((double)x[j] - mu) * r;
			dx[j] = (float)(r * ((double)dy[j] * (double)w[j] - mg - xh * mgx));
		}
	}
}

// ln_params_cols is layerNormParams over the columns [lo, hi) (hi − lo a
// multiple of 4) in chunks of up to 256 columns, the rows outer: each row's
// chunk of dy and x is read in order (streaming, where a loop over the rows
// of a few columns strides through memory), into float64 accumulators on
// the stack. Each column still sums its rows in order, with the Go loop's
// expression: its bits.
__attribute__((target("avx2")))
static void ln_params_cols(float *dw, float *db, const float *dy, const float *x, const float *stats,
                           long m, long n, long lo, long hi) {
	double sw[256], sb[256];
	for (long c0 = lo; c0 < hi; c0 += 256) {
		long w = hi - c0 < 256 ? hi - c0 : 256;
		for (long j = 0; j < w; j++) sw[j] = sb[j] = 0;
		for (long i = 0; i < m; i++) {
			const float *g = dy + i * n + c0, *v = x + i * n + c0;
			__m256d muv = _mm256_set1_pd(stats[2 * i]), rv = _mm256_set1_pd(stats[2 * i + 1]);
			for (long j = 0; j < w; j += 4) {
				__m256d gk = _mm256_cvtps_pd(_mm_loadu_ps(g + j));
				__m256d vk = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(v + j)), muv);
				_mm256_storeu_pd(sw + j, _mm256_add_pd(_mm256_loadu_pd(sw + j), _mm256_mul_pd(_mm256_mul_pd(gk, vk), rv)));
				_mm256_storeu_pd(sb + j, _mm256_add_pd(_mm256_loadu_pd(sb + j), gk));
			}
		}
		for (long j = 0; j < w; j += 4) {
			_mm_storeu_ps(dw + (c0 - lo) + j, _mm256_cvtpd_ps(_mm256_loadu_pd(sw + j)));
			_mm_storeu_ps(db + (c0 - lo) + j, _mm256_cvtpd_ps(_mm256_loadu_pd(sb + j)));
		}
	}
}

static int ln_have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import "unsafe"

var layerNormAVX2 = C.ln_have_avx2() != 0

const layerNormInC = true

func lnPtr(s []float32) *C.float { return (*C.float)(unsafe.Pointer(&s[0])) }

// layerNormForwardRows runs layerNormForward on each row of x (rows of
// n), in C with AVX2 when the processor has it.
func layerNormForwardRows(eps float64, y, stats, x, w, b []float32, n int) {
	if !layerNormAVX2 || len(x) == 0 {
		layerNormForwardRowsGo(eps, y, stats, x, w, b, n)
		return
	}
	C.ln_forward_rows(lnPtr(y), lnPtr(stats), lnPtr(x), lnPtr(w), lnPtr(b), C.long(len(x)/n), C.long(n), C.double(eps))
}

// layerNormBackwardRows runs layerNormBackward on each row, as
// layerNormForwardRows does.
func layerNormBackwardRows(dx, dy, x, w, stats []float32, n int) {
	if !layerNormAVX2 || len(x) == 0 {
		layerNormBackwardRowsGo(dx, dy, x, w, stats, n)
		return
	}
	C.ln_backward_rows(lnPtr(dx), lnPtr(dy), lnPtr(x), lnPtr(w), lnPtr(stats), C.long(len(x)/n), C.long(n))
}

// layerNormParamsCols is layerNormParams: columns in blocks of four in C,
// the rest in Go.
func layerNormParamsCols(dw, db, dy, x, stats []float32, m, n, lo int) {
	done := 0
	if layerNormAVX2 && len(dw) >= 4 && m > 0 {
		done = len(dw) - len(dw)%4
		C.ln_params_cols(lnPtr(dw), lnPtr(db), lnPtr(dy), lnPtr(x), lnPtr(stats), C.long(m), C.long(n), C.long(lo), C.long(lo+done))
	}
	if done < len(dw) {
		layerNormParams(dw[done:], db[done:], dy, x, stats, m, n, lo+done)
	}
}
