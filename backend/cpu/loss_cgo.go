//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lm
#include <immintrin.h>
#include <math.h>
#include "avx2_exp.h"

// ce_rows is softmaxCrossEntropyRow (loss.go) over rows r0 ≤ r < r1 of n
// columns whose logits are all finite and whose label is a class: the
// exponentials four at a time in float64 (exp_pd, about 1e-14 relative),
// summed in four lanes added up as (l0 + l1) + (l2 + l3), and log from
// libm; each row's loss goes to loss[r] and, when grad is not NULL, its
// gradient (softmax − onehot)/batch to grad's row, each within an ulp of
// the Go loop's. A row it does not take gets loss[r] = NaN and no
// gradient; it returns their number. Each row's bits depend on the row
// alone.
__attribute__((target("avx2,fma")))
static long ce_rows(float *grad, const float *x, const float *labels, double *loss, long n, long r0, long r1, long batch) {
	const __m128i lane = _mm_setr_epi32(0, 1, 2, 3);
	long odd = 0;
	for (long r = r0; r < r1; r++) {
		const float *xr = x + r * n;
		float lab = labels[r];
		int ok = lab >= 0 && lab < (float)n && lab == floorf(lab);
		double mx = -INFINITY;
		for (long j = 0; j < n && ok; j++) {
			float v = xr[j];
			if (!(fabsf(v) <= 3.402823466e38f)) ok = 0;
			if (v > mx) mx = v;
		}
		if (!ok) {
			loss[r] = NAN;
			odd++;
			continue;
		}
		long c = (long)lab;
		__m256d sum = _mm256_setzero_pd(), vmx = _mm256_set1_pd(mx), lo = _mm256_set1_pd(-700);
		for (long j = 0; j < n; j += 4) {
			long k = n - j;
			__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(k < 4 ? (int)k : 4), lane);
			__m128 v = k >= 4 ? _mm_loadu_ps(xr + j) : _mm_maskload_ps(xr + j, m);
			__m256d e = exp_pd(_mm256_max_pd(_mm256_sub_pd(_mm256_cvtps_pd(v), vmx), lo));
			sum = _mm256_add_pd(sum, _mm256_and_pd(e, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(m))));
		}
		double l[4];
		_mm256_storeu_pd(l, sum);
		double s = (l[0] + l[1]) + (l[2] + l[3]);
		loss[r] = (mx + log(s)) - (double)xr[c];
		if (!grad) continue;
		float *gr = grad + r * n;
		__m256d vs = _mm256_set1_pd(s), vb = _mm256_set1_pd((double)batch);
		for (long j = 0; j < n; j += 4) {
			long k = n - j;
			__m128i m = _mm_cmpgt_epi32(_mm_set1_epi32(k < 4 ? (int)k : 4), lane);
			__m128 v = k >= 4 ? _mm_loadu_ps(xr + j) : _mm_maskload_ps(xr + j, m);
			__m256d e = exp_pd(_mm256_max_pd(_mm256_sub_pd(_mm256_cvtps_pd(v), vmx), lo));
			__m128 g = _mm256_cvtpd_ps(_mm256_div_pd(_mm256_div_pd(e, vs), vb));
			if (k >= 4) _mm_storeu_ps(gr + j, g);
			else _mm_maskstore_ps(gr + j, m, g);
		}
		__m256d ec = exp_pd(_mm256_max_pd(_mm256_set1_pd((double)xr[c] - mx), lo));
		double e0[4];
		_mm256_storeu_pd(e0, ec);
		gr[c] = (float)((e0[0] / s - 1) / (double)batch);
	}
	return odd;
}

static int ce_have_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
*/
import "C"

import "unsafe"

var ceAVX2 = C.ce_have_avx2() != 0

// softmaxCrossEntropyRows sets loss[i] (and grad's row i when grad is not
// nil) for rows lo ≤ i < hi as softmaxCrossEntropyRow does: in C with AVX2
// and FMA for the rows with finite logits and a valid label (within an ulp
// of the Go loop, see loss_cgo.go), in Go for the others and on other
// processors.
func softmaxCrossEntropyRows(loss []float64, grad, x, labels []float32, n, batch, lo, hi int) {
	if !ceAVX2 || hi <= lo {
		softmaxCrossEntropyRowsGo(loss, grad, x, labels, n, batch, lo, hi)
		return
	}
	var g *C.float
	if grad != nil {
		g = (*C.float)(unsafe.Pointer(&grad[0]))
	}
	odd := C.ce_rows(g, (*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&labels[0])),
		(*C.double)(unsafe.Pointer(&loss[0])), C.long(n), C.long(lo), C.long(hi), C.long(batch))
	for i := lo; i < hi && odd > 0; i++ {
		if _, ok := classIndex(labels[i], n); !ok || !allFinite(x[i*n:(i+1)*n]) {
			softmaxCrossEntropyRowsGo(loss, grad, x, labels, n, batch, i, i+1)
			odd--
		}
	}
}
