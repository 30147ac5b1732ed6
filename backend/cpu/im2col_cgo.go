//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include <string.h>

// im2col_s1 and col2im_s1 are im2colGo and col2imGo for stride 1, the
// usual case, with a line's copy or sum done eight floats at a time with
// AVX2 and the last few under a mask, instead of a call or a Go loop per
// line: the lines are short (11 floats in the MNIST net's second layer).
// col2im_s1 adds each element's terms in the Go loop's (i, j) order, one
// vaddps per term, so it has the Go loop's bits; im2col_s1 only copies.

// line_mask has lanes 0 … n−1 set, for 0 < n < 8.
__attribute__((target("avx2")))
static inline __m256i line_mask(long n) {
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2")))
static inline void line_copy(float *d, const float *s, long n) {
	long k = 0;
	for (; k + 8 <= n; k += 8) {
		_mm256_storeu_ps(d + k, _mm256_loadu_ps(s + k));
	}
	if (k < n) {
		__m256i m = line_mask(n - k);
		_mm256_maskstore_ps(d + k, m, _mm256_maskload_ps(s + k, m));
	}
}

__attribute__((target("avx2")))
static inline void line_add(float *d, const float *s, long n) {
	long k = 0;
	for (; k + 8 <= n; k += 8) {
		_mm256_storeu_ps(d + k, _mm256_add_ps(_mm256_loadu_ps(d + k), _mm256_loadu_ps(s + k)));
	}
	if (k < n) {
		__m256i m = line_mask(n - k);
		_mm256_maskstore_ps(d + k, m, _mm256_add_ps(_mm256_maskload_ps(d + k, m), _mm256_maskload_ps(s + k, m)));
	}
}

static inline long lmax(long a, long b) { return a > b ? a : b; }
static inline long lmin(long a, long b) { return a < b ? a : b; }

__attribute__((target("avx2")))
static void im2col_s1(float *cols, const float *x, long C, long H, long W, long KH, long KW, long pad, long OH, long OW) {
	long P = OH * OW;
	for (long r = 0; r < C * KH * KW; r++) {
		long c = r / (KH * KW), i = r / KW % KH, j = r % KW;
		long ox0 = lmax(0, pad - j), ox1 = lmin(OW, W + pad - j);
		const float *plane = x + c * H * W;
		float *out = cols + r * P;
		for (long oy = 0; oy < OH; oy++) {
			float *line = out + oy * OW;
			long h = oy + i - pad;
			if (h < 0 || h >= H || ox0 >= ox1) {
				memset(line, 0, OW * sizeof(float));
				continue;
			}
			for (long ox = 0; ox < ox0; ox++) {
				line[ox] = 0;
			}
			for (long ox = ox1; ox < OW; ox++) {
				line[ox] = 0;
			}
			line_copy(line + ox0, plane + h * W + ox0 + j - pad, ox1 - ox0);
		}
	}
}

__attribute__((target("avx2")))
static void col2im_s1(float *dx, const float *dcols, long C, long H, long W, long KH, long KW, long pad, long OH, long OW) {
	long P = OH * OW;
	memset(dx, 0, C * H * W * sizeof(float));
	for (long c = 0; c < C; c++) {
		float *plane = dx + c * H * W;
		for (long i = 0; i < KH; i++) {
			for (long j = 0; j < KW; j++) {
				const float *src = dcols + ((c * KH + i) * KW + j) * P;
				long ox0 = lmax(0, pad - j), ox1 = lmin(OW, W + pad - j);
				if (ox0 >= ox1) {
					continue;
				}
				for (long oy = 0; oy < OH; oy++) {
					long h = oy + i - pad;
					if (h < 0 || h >= H) {
						continue;
					}
					line_add(plane + h * W + ox0 + j - pad, src + oy * OW + ox0, ox1 - ox0);
				}
			}
		}
	}
}

static int im2col_have_avx2(void) { return __builtin_cpu_supports("avx2"); }
*/
import "C"

import (
	"unsafe"

	"gltrain/backend"
)

var im2colAVX2 = C.im2col_have_avx2() != 0

// im2col writes the patches of one image x (C·H·W) into cols (Patch×P), as
// im2colGo does: for stride 1 in C with AVX2 when the processor has it
// (TestIm2colMatchesGo), else in Go.
func im2col(g backend.Conv2D, cols, x []float32) {
	if !im2colAVX2 || g.Stride != 1 || len(cols) == 0 || len(x) == 0 {
		im2colGo(g, cols, x)
		return
	}
	C.im2col_s1((*C.float)(unsafe.Pointer(&cols[0])), (*C.float)(unsafe.Pointer(&x[0])), C.long(g.C), C.long(g.H), C.long(g.W),
		C.long(g.KH), C.long(g.KW), C.long(g.Pad), C.long(g.OutH()), C.long(g.OutW()))
}

// col2im sets one image's dx (C·H·W) from its dcols (Patch×P), as col2imGo
// does, to its bits: for stride 1 in C with AVX2 when the processor has it,
// else in Go.
func col2im(g backend.Conv2D, dx, dcols []float32) {
	if !im2colAVX2 || g.Stride != 1 || len(dx) == 0 || len(dcols) == 0 {
		col2imGo(g, dx, dcols)
		return
	}
	C.col2im_s1((*C.float)(unsafe.Pointer(&dx[0])), (*C.float)(unsafe.Pointer(&dcols[0])), C.long(g.C), C.long(g.H), C.long(g.W),
		C.long(g.KH), C.long(g.KW), C.long(g.Pad), C.long(g.OutH()), C.long(g.OutW()))
}

const im2colInC = true
