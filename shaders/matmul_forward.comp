// matmul_forward.comp: C = alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ.
// CPU reference: backend/cpu/matmul.go Backend.MatMul.
// Bindings: 0 A, 1 B, 2 C (read when beta ≠ 0, written).
// Uniforms: m, n, k (op(A) is m×k, op(B) k×n, C m×n), trans_a, trans_b, alpha, beta.
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
uniform int m;
uniform int n;
uniform int k;
uniform int trans_a;
uniform int trans_b;
uniform float alpha;
uniform float beta;

shared float a_tile[TILE_K][TILE_M];
shared float b_tile[TILE_K][TILE_N];

// op(A)[i][l] and op(B)[l][j], 0 outside the matrices.
float load_a(int i, int l) {
	if (i >= m || l >= k) return 0.0;
	return trans_a != 0 ? a[l * m + i] : a[i * k + l];
}
float load_b(int l, int j) {
	if (l >= k || j >= n) return 0.0;
	return trans_b != 0 ? b[j * k + l] : b[l * n + j];
}

// block computes the TILE_M×TILE_N block of C whose top-left is (row0, col0).
void block(int row0, int col0, int tx, int ty, int tid) {
	float acc[WORK_M][WORK_N];
	for (int r = 0; r < WORK_M; r++) {
		for (int s = 0; s < WORK_N; s++) {
			acc[r][s] = 0.0;
		}
	}
	for (int l0 = 0; l0 < k; l0 += TILE_K) {
		for (int e = tid; e < TILE_K * TILE_M; e += THREADS * THREADS) {
			int i = trans_a != 0 ? e % TILE_M : e / TILE_K;
			int l = trans_a != 0 ? e / TILE_M : e % TILE_K;
			a_tile[l][i] = load_a(row0 + i, l0 + l);
		}
		for (int e = tid; e < TILE_K * TILE_N; e += THREADS * THREADS) {
			int j = trans_b != 0 ? e / TILE_K : e % TILE_N;
			int l = trans_b != 0 ? e % TILE_K : e / TILE_N;
			b_tile[l][j] = load_b(l0 + l, col0 + j);
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
	for (int row0 = int(gl_WorkGroupID.y) * TILE_M; row0 < m; row0 += int(gl_NumWorkGroups.y) * TILE_M) {
		for (int col0 = int(gl_WorkGroupID.x) * TILE_N; col0 < n; col0 += int(gl_NumWorkGroups.x) * TILE_N) {
			block(row0, col0, tx, ty, tid);
		}
	}
}
