// matmul_forward.comp: C = alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ.
// CPU reference: backend/cpu/matmul.go Backend.MatMul.
// Bindings: 0 A, 1 B, 2 C (read when beta ≠ 0, written), 3 P (the
// partial products, written when slices > 1; otherwise any buffer).
// Uniforms: m, n, k (op(A) is m×k, op(B) k×n, C m×n), trans_a, trans_b,
// alpha, beta; k_begin, k_chunk, slices (split-K, below).
//
// Split-K: no invocation sums more than k_chunk (≤ KCHUNK) products, since
// a loop over a dimension the input sets is silently cut short on some
// drivers (llvmpipe). Work-group layer z sums the products of k in
// [k_begin + z·k_chunk, k_begin + (z+1)·k_chunk) ∩ [0, k). With one slice
// the result goes to C as alpha·sum + beta·C; with several, each slice
// writes its raw sum to P[z·m·n + i·n + j], and matmul_reduce.comp adds the
// slices in order (backend/gl/matmul.go plans the rounds).
//
// Tiled through shared memory: a work group of 16×16 invocations computes a
// TILE_M×TILE_N block of C, each invocation a WORK_M×WORK_N sub-block on a
// 16-strided grid (so neighbours store neighbouring columns), stepping
// through k by TILE_K. Tiles are loaded along whichever index is contiguous
// in memory for the operand's transpose, so both layouts read coalesced; out
// of range elements load as 0, so any m, n, k work; a work group steps on
// by the dispatch's size over the blocks beyond GL's 65535 groups per
// dimension. Each element of C sums its k products in order: the result is
// deterministic. TILE_M and TILE_N are #defines, set by the launcher
// (backend/gl/matmul.go owns them, since its grid depends on them);
// TILE_K can be tuned on its own.
#ifndef TILE_M
#define TILE_M 64
#endif
#ifndef TILE_N
#define TILE_N 64
#endif
#ifndef TILE_K
#define TILE_K 16
#endif
#define THREADS 16
#define WORK_M (TILE_M / THREADS)
#define WORK_N (TILE_N / THREADS)

layout(local_size_x = THREADS, local_size_y = THREADS) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer C { float c[]; };
layout(std430, binding = 3) writeonly buffer P { float partial[]; };
uniform int m;
uniform int n;
uniform int k;
uniform int trans_a;
uniform int trans_b;
uniform float alpha;
uniform float beta;
uniform int k_begin;
uniform int k_chunk;
uniform int slices;

shared float a_tile[TILE_K][TILE_M];
shared float b_tile[TILE_K][TILE_N];

// op(A)[i][l] and op(B)[l][j] for l below k_end, 0 outside.
float load_a(int i, int l, int k_end) {
	if (i >= m || l >= k_end) return 0.0;
	return trans_a != 0 ? a[l * m + i] : a[i * k + l];
}
float load_b(int l, int j, int k_end) {
	if (l >= k_end || j >= n) return 0.0;
	return trans_b != 0 ? b[j * k + l] : b[l * n + j];
}

// block computes slice z's part of the TILE_M×TILE_N block of C whose
// top-left is (row0, col0): the products of k in [k0, k_end).
void block(int row0, int col0, int tx, int ty, int tid, int z, int k0, int k_end) {
	float acc[WORK_M][WORK_N];
	for (int r = 0; r < WORK_M; r++) {
		for (int s = 0; s < WORK_N; s++) {
			acc[r][s] = 0.0;
		}
	}
	for (int l0 = k0; l0 < k_end; l0 += TILE_K) {
		for (int e = tid; e < TILE_K * TILE_M; e += THREADS * THREADS) {
			int i = trans_a != 0 ? e % TILE_M : e / TILE_K;
			int l = trans_a != 0 ? e / TILE_M : e % TILE_K;
			a_tile[l][i] = load_a(row0 + i, l0 + l, k_end);
		}
		for (int e = tid; e < TILE_K * TILE_N; e += THREADS * THREADS) {
			int j = trans_b != 0 ? e / TILE_K : e % TILE_N;
			int l = trans_b != 0 ? e % TILE_K : e / TILE_N;
			b_tile[l][j] = load_b(l0 + l, col0 + j, k_end);
		}
		SYNC();
		for (int l = 0; l < TILE_K; l++) {
			float ar[WORK_M];
			float br[WORK_N];
			for (int r = 0; r < WORK_M; r++) {
				ar[r] = a_tile[l][ty + r * THREADS];
			}
			for (int s = 0; s < WORK_N; s++) {
				br[s] = b_tile[l][tx + s * THREADS];
			}
			for (int r = 0; r < WORK_M; r++) {
				for (int s = 0; s < WORK_N; s++) {
					acc[r][s] += ar[r] * br[s];
				}
			}
		}
		SYNC();
	}
	for (int r = 0; r < WORK_M; r++) {
		int i = row0 + ty + r * THREADS;
		for (int s = 0; s < WORK_N; s++) {
			int j = col0 + tx + s * THREADS;
			if (i < m && j < n) {
				if (slices > 1) {
					partial[z * m * n + i * n + j] = acc[r][s];
					continue;
				}
				float v = alpha * acc[r][s];
				if (beta != 0.0) {
					v += beta * c[i * n + j];
				}
				c[i * n + j] = v;
			}
		}
	}
}

void main() {
	int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
	int tid = ty * THREADS + tx;
	// The loops are uniform across the work group (they depend only on its
	// ID), so block's barriers are reached by every invocation.
	for (int z = int(gl_WorkGroupID.z); z < slices; z += int(gl_NumWorkGroups.z)) {
		int k0 = k_begin + z * k_chunk;
		int k_end = min(k, k0 + k_chunk);
		for (int row0 = int(gl_WorkGroupID.y) * TILE_M; row0 < m; row0 += int(gl_NumWorkGroups.y) * TILE_M) {
			for (int col0 = int(gl_WorkGroupID.x) * TILE_N; col0 < n; col0 += int(gl_NumWorkGroups.x) * TILE_N) {
				block(row0, col0, tx, ty, tid, z, k0, k_end);
			}
		}
	}
}
