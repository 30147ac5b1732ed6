//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// The 2×2, stride 2 max pool over planes h×w (out oh×ow), as maxPool2x2
// and maxPool2x2BackwardPlanesGo do it in Go, eight outputs at a time with
// AVX2. A row's last eight outputs overlap the previous eight when ow is
// not a multiple of 8 (they are written twice, with the same values); rows
// narrower than 8 run as one vector under masks. Nothing branches on the
// data: a branch per comparison is mispredicted half the time after a ReLU.
// On 128×32 planes of 26×26 ReLU outputs, one core: forward 0.33 ms against
// the Go loop's 3.7 ms; backward 0.3 ms against 2.2 ms for the Go loops.
// Only selections and 0 + dy are computed, so every output has the Go
// loops' bits: v replaces best when best is ordered (not NaN) and
// !(v <= best) (_CMP_NLE_UQ), in window order.

// pool_mask has lanes 0 … n−1 set (none for n ≤ 0, all for n ≥ 8).
__attribute__((target("avx2")))
static inline __m256i pool_mask(long n) {
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 0 ? 0 : n > 8 ? 8 : n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// pool_split splits the 16 floats of a and b into the even ones and the
// odd ones, in order.
__attribute__((target("avx2")))
static inline void pool_split(__m256 a, __m256 b, __m256 *even, __m256 *odd) {
	*even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xd8));
	*odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xd8));
}

// pool_deinterleave is pool_split of the 16 floats at p.
__attribute__((target("avx2")))
static inline void pool_deinterleave(const float *p, __m256 *even, __m256 *odd) {
	pool_split(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), even, odd);
}

// pool_step8 is one step of eight windows' scans: v replaces best where
// best is ordered and !(v <= best), and k takes j there.
__attribute__((target("avx2")))
static inline void pool_step8(__m256 v, __m256 *best, __m256 *k, __m256 j) {
	__m256 m = _mm256_and_ps(_mm256_cmp_ps(*best, *best, _CMP_ORD_Q), _mm256_cmp_ps(v, *best, _CMP_NLE_UQ));
	*best = _mm256_blendv_ps(*best, v, m);
	*k = _mm256_blendv_ps(*k, j, m);
}

// pool_fwd8 pools the eight windows from column 2·ox of rows r0 and r1.
__attribute__((target("avx2")))
static inline void pool_fwd8(const float *r0, const float *r1, float *o, float *a, long ox) {
	__m256 v0, v1, v2, v3;
	pool_deinterleave(r0 + 2 * ox, &v0, &v1);
	pool_deinterleave(r1 + 2 * ox, &v2, &v3);
	__m256 best = v0, k = _mm256_setzero_ps();
	pool_step8(v1, &best, &k, _mm256_set1_ps(1));
	pool_step8(v2, &best, &k, _mm256_set1_ps(2));
	pool_step8(v3, &best, &k, _mm256_set1_ps(3));
	_mm256_storeu_ps(o + ox, best);
	_mm256_storeu_ps(a + ox, k);
}

// pool_fwd_short pools the n < 8 windows of a row narrower than eight
// outputs, under masks: no load or store leaves the row's 2n inputs or n
// outputs.
__attribute__((target("avx2")))
static inline void pool_fwd_short(const float *r0, const float *r1, float *o, float *a, long n) {
	__m256i lo = pool_mask(2 * n), hi = pool_mask(2 * n - 8), m = pool_mask(n);
	__m256 v0, v1, v2, v3;
	pool_split(_mm256_maskload_ps(r0, lo), _mm256_maskload_ps(r0 + 8, hi), &v0, &v1);
	pool_split(_mm256_maskload_ps(r1, lo), _mm256_maskload_ps(r1 + 8, hi), &v2, &v3);
	__m256 best = v0, k = _mm256_setzero_ps();
	pool_step8(v1, &best, &k, _mm256_set1_ps(1));
	pool_step8(v2, &best, &k, _mm256_set1_ps(2));
	pool_step8(v3, &best, &k, _mm256_set1_ps(3));
	_mm256_maskstore_ps(o, m, best);
	_mm256_maskstore_ps(a, m, k);
}

__attribute__((target("avx2")))
static void maxpool2x2_avx2(const float *in, float *out, float *at, long planes, long h, long w, long oh, long ow) {
	for (long pl = 0; pl < planes; pl++, in += h * w, out += oh * ow, at += oh * ow) {
		for (long oy = 0; oy < oh; oy++) {
			const float *r0 = in + 2 * oy * w, *r1 = r0 + w;
			float *o = out + oy * ow, *a = at + oy * ow;
			if (ow >= 8) {
				for (long ox = 0; ox + 8 <= ow; ox += 8) {
					pool_fwd8(r0, r1, o, a, ox);
				}
				if (ow % 8) {
					pool_fwd8(r0, r1, o, a, ow - 8);
				}
				continue;
			}
			pool_fwd_short(r0, r1, o, a, ow);
		}
	}
}

// pool_bwd8 spreads the gradients of the eight windows from column 2·ox
// of rows r0 and r1.
__attribute__((target("avx2")))
static inline void pool_bwd8(float *r0, float *r1, const float *a, const float *d, long ox) {
	const __m256 zero = _mm256_setzero_ps();
	__m256 k = _mm256_loadu_ps(a + ox), g = _mm256_add_ps(zero, _mm256_loadu_ps(d + ox));
	__m256 g0 = _mm256_and_ps(g, _mm256_cmp_ps(k, zero, _CMP_EQ_OQ));
	__m256 g1 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(1), _CMP_EQ_OQ));
	__m256 g2 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(2), _CMP_EQ_OQ));
	__m256 g3 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(3), _CMP_EQ_OQ));
	// Interleave g0 and g1 into row 0's 16 values, g2 and g3 into row 1's.
	__m256 lo = _mm256_unpacklo_ps(g0, g1), hi = _mm256_unpackhi_ps(g0, g1);
	_mm256_storeu_ps(r0 + 2 * ox, _mm256_permute2f128_ps(lo, hi, 0x20));
	_mm256_storeu_ps(r0 + 2 * ox + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
	lo = _mm256_unpacklo_ps(g2, g3), hi = _mm256_unpackhi_ps(g2, g3);
	_mm256_storeu_ps(r1 + 2 * ox, _mm256_permute2f128_ps(lo, hi, 0x20));
	_mm256_storeu_ps(r1 + 2 * ox + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

// pool_bwd_short is pool_bwd8 for the n < 8 windows of a row narrower than
// eight outputs, under masks.
__attribute__((target("avx2")))
static inline void pool_bwd_short(float *r0, float *r1, const float *a, const float *d, long n) {
	const __m256 zero = _mm256_setzero_ps();
	__m256i m = pool_mask(n), lo = pool_mask(2 * n), hi = pool_mask(2 * n - 8);
	__m256 k = _mm256_maskload_ps(a, m), g = _mm256_add_ps(zero, _mm256_maskload_ps(d, m));
	__m256 g0 = _mm256_and_ps(g, _mm256_cmp_ps(k, zero, _CMP_EQ_OQ));
	__m256 g1 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(1), _CMP_EQ_OQ));
	__m256 g2 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(2), _CMP_EQ_OQ));
	__m256 g3 = _mm256_and_ps(g, _mm256_cmp_ps(k, _mm256_set1_ps(3), _CMP_EQ_OQ));
	__m256 l = _mm256_unpacklo_ps(g0, g1), h = _mm256_unpackhi_ps(g0, g1);
	_mm256_maskstore_ps(r0, lo, _mm256_permute2f128_ps(l, h, 0x20));
	_mm256_maskstore_ps(r0 + 8, hi, _mm256_permute2f128_ps(l, h, 0x31));
	l = _mm256_unpacklo_ps(g2, g3), h = _mm256_unpackhi_ps(g2, g3);
	_mm256_maskstore_ps(r1, lo, _mm256_permute2f128_ps(l, h, 0x20));
	_mm256_maskstore_ps(r1 + 8, hi, _mm256_permute2f128_ps(l, h, 0x31));
}

__attribute__((target("avx2")))
static void maxpool2x2_backward_avx2(float *dx, const float *at, const float *dy, long planes, long h, long w, long oh, long ow) {
	for (long pl = 0; pl < planes; pl++, dx += h * w, at += oh * ow, dy += oh * ow) {
		for (long oy = 0; oy < oh; oy++) {
			float *r0 = dx + 2 * oy * w, *r1 = r0 + w;
			const float *a = at + oy * ow, *d = dy + oy * ow;
			if (ow >= 8) {
				for (long ox = 0; ox + 8 <= ow; ox += 8) {
					pool_bwd8(r0, r1, a, d, ox);
				}
				if (ow % 8) {
					pool_bwd8(r0, r1, a, d, ow - 8);
				}
			} else {
				pool_bwd_short(r0, r1, a, d, ow);
			}
			for (long x = 2 * ow; x < w; x++) { // a column no window covers
				r0[x] = 0;
				r1[x] = 0;
			}
		}
		for (long i = 2 * oh * w; i < h * w; i++) { // a row no window covers
			dx[i] = 0;
		}
	}
}

static int pool_have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import "unsafe"

var poolAVX2 = C.pool_have_avx2() != 0

// maxPool2x2Planes runs maxPool2x2 over the planes of in (each h×w) into
// out and at (each oh×ow): in C with AVX2 when the processor has it, with
// the Go loop's bits (TestMaxPool2x2MatchesGo).
func maxPool2x2Planes(in, out, at []float32, planes, h, w, oh, ow int) {
	if !poolAVX2 || planes == 0 || oh == 0 || ow == 0 {
		maxPool2x2PlanesGo(in, out, at, planes, h, w, oh, ow)
		return
	}
	C.maxpool2x2_avx2((*C.float)(unsafe.Pointer(&in[0])), (*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&at[0])),
		C.long(planes), C.long(h), C.long(w), C.long(oh), C.long(ow))
}

// maxPool2x2BackwardPlanes runs maxPool2x2Backward over the planes of dx
// (each h×w) from at and dy (each oh×ow), in C with AVX2 when the
// processor has it.
func maxPool2x2BackwardPlanes(dx, at, dy []float32, planes, h, w, oh, ow int) {
	if !poolAVX2 || planes == 0 || oh == 0 || ow == 0 {
		maxPool2x2BackwardPlanesGo(dx, at, dy, planes, h, w, oh, ow)
		return
	}
	C.maxpool2x2_backward_avx2((*C.float)(unsafe.Pointer(&dx[0])), (*C.float)(unsafe.Pointer(&at[0])), (*C.float)(unsafe.Pointer(&dy[0])),
		C.long(planes), C.long(h), C.long(w), C.long(oh), C.long(ow))
}

const poolInC = true
