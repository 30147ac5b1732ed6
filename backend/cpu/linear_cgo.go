//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// lin_colsum sets s[j − lo] = Σ_i dz[i·out + j] in float64, rows in order,
// for lo ≤ j < hi: linearDbCols's sums, sixteen columns at a time in four
// registers of four lanes (then four, then one), each column's sum added
// in the same order as the Go loop's, so the same bits. Without fma in
// the target nothing is contracted.
__attribute__((target("avx2")))
static void lin_colsum(double *s, const float *dz, long batch, long out, long lo, long hi) {
	long j = lo;
	for (; j + 16 <= hi; j += 16) {
		__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
		for (long i = 0; i < batch; i++) {
			const float *r = dz + i * out + j;
			__m256 v0 = _mm256_loadu_ps(r), v1 = _mm256_loadu_ps(r + 8);
			a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(v0)));
			a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(v0, 1)));
			a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm256_castps256_ps128(v1)));
			a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm256_extractf128_ps(v1, 1)));
		}
		_mm256_storeu_pd(s + j - lo, a0);
		_mm256_storeu_pd(s + j - lo + 4, a1);
		_mm256_storeu_pd(s + j - lo + 8, a2);
		_mm256_storeu_pd(s + j - lo + 12, a3);
	}
	for (; j + 4 <= hi; j += 4) {
		__m256d a = _mm256_setzero_pd();
		for (long i = 0; i < batch; i++) a = _mm256_add_pd(a, _mm256_cvtps_pd(_mm_loadu_ps(dz + i * out + j)));
		_mm256_storeu_pd(s + j - lo, a);
	}
	for (; j < hi; j++) {
		double a = 0;
		for (long i = 0; i < batch; i++) a += (double)dz[i * out + j];
		s[j - lo] = a;
	}
}

// lin_bias adds bias (out) to each of rows rows of z (rows×out): z[i·out
// + j] += bias[j], eight columns at a time, one float32 addition each, so
// the Go loop's bits.
__attribute__((target("avx2")))
static void lin_bias(float *z, const float *bias, long rows, long out) {
	for (long i = 0; i < rows; i++, z += out) {
		long j = 0;
		for (; j + 8 <= out; j += 8) _mm256_storeu_ps(z + j, _mm256_add_ps(_mm256_loadu_ps(z + j), _mm256_loadu_ps(bias + j)));
		for (; j < out; j++) z[j] += bias[j];
	}
}
*/
import "C"

import "unsafe"

// linearDbCols is linearDb for the columns lo ≤ j < hi: the sums in C
// with AVX2 (the Go loop's bits, see lin_colsum), stored by linearDbStore.
func linearDbCols(db, dz []float32, batch, out, lo, hi int, beta float32) {
	if !reluAVX2 || hi <= lo || batch == 0 { // reluAVX2: the processor has AVX2
		linearDbColsGo(db, dz, batch, out, lo, hi, beta)
		return
	}
	sp := floatsPool.get(hi - lo)
	defer floatsPool.put(sp)
	s := *sp
	C.lin_colsum((*C.double)(unsafe.Pointer(&s[0])), (*C.float)(unsafe.Pointer(&dz[0])), C.long(batch), C.long(out), C.long(lo), C.long(hi))
	for j := lo; j < hi; j++ {
		linearDbStore(db[j:j+1], [4]float64{s[j-lo]}, beta)
	}
}

// linearBias is linearBiasGo, in C with AVX2 when the processor has it and
// the rows are wide enough to pay for the call.
func linearBias(z, bias []float32, out int) {
	if !reluAVX2 || len(z) < reluInCMin || out < 8 { // reluAVX2: the processor has AVX2
		linearBiasGo(z, bias, out)
		return
	}
	C.lin_bias((*C.float)(unsafe.Pointer(&z[0])), (*C.float)(unsafe.Pointer(&bias[0])), C.long(len(z)/out), C.long(out))
}
