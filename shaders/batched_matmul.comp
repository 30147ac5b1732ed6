// batched_matmul.comp: for every matrix z = p·batch1 + q of a batch,
//	C_z = alpha·op(A_z)·op(B_z) + beta·C_z,  op(X) = X or Xᵀ
// with each matrix in place in its tensor (backend.Strided): element (i, l)
// of the stored A_z at a_off + p·a_s0 + q·a_s1 + i·lda + l, likewise B_z and
// C_z.
// CPU reference: backend/cpu/batched.go Backend.BatchedMatMul.
// Bindings: 0 A, 1 B, 2 C (read when beta ≠ 0, written).
// Uniforms: batch0, batch1; m, n, k (op(A_z) is m×k, op(B_z) k×n, C_z m×n);
// alpha, beta; a_off, lda, a_s0, a_s1 and the same for b and c.
// Defines: TRANS_A, TRANS_B 0 or 1 (the operands' layouts, compiled in);
// TILE 32 or 64.
//
// A work group computes a TILE×TILE block of one C_z, each of its 16×16
// invocations a WORK×WORK sub-block (2×2 or 4×4) on a 16-strided grid,
// stepping through k in
// tiles of TILE_K held in shared memory (matmul_forward.comp's scheme,
// without its vector loads and split-K): the one loop over an input size is
// that k loop, of at most backend.MaxBatchedK / TILE_K = 256 tiles. Work
// groups step on by the dispatch's size over blocks and matrices beyond
// GL's 65535 groups per dimension. Out of range elements load as 0, so any
// m, n, k work; each element's products are added in the order l = 0, 1, …
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
#endif
#ifndef TILE
#define TILE 32
#endif
#define TILE_K 16
#define THREADS 16
#define WORK (TILE / THREADS)

layout(local_size_x = THREADS, local_size_y = THREADS) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer C { float c[]; };
uniform int batch0;
uniform int batch1;
uniform int m;
uniform int n;
uniform int k;
uniform float alpha;
uniform float beta;
uniform int a_off;
uniform int lda;
uniform int a_s0;
uniform int a_s1;
uniform int b_off;
uniform int ldb;
uniform int b_s0;
uniform int b_s1;
uniform int c_off;
uniform int ldc;
uniform int c_s0;
uniform int c_s1;

shared float a_tile[TILE_K][TILE + 1];
shared float b_tile[TILE_K][TILE + 1];

// op(A_z)[i][l] is at a[abase + a_at(i, l)]; likewise op(B_z)[l][j].
int a_at(int i, int l) { return TRANS_A != 0 ? l * lda + i : i * lda + l; }
int b_at(int l, int j) { return TRANS_B != 0 ? j * ldb + l : l * ldb + j; }

// block computes the TILE×TILE block of C_z whose top-left is (row0, col0).
void block(int abase, int bbase, int cbase, int row0, int col0, int tx, int ty, int tid) {
	float acc[WORK][WORK];
	for (int r = 0; r < WORK; r++) {
		for (int s = 0; s < WORK; s++) {
			acc[r][s] = 0.0;
		}
	}
	for (int l0 = 0; l0 < k; l0 += TILE_K) {
		for (int e = tid; e < TILE_K * TILE; e += THREADS * THREADS) {
			// Neighbouring invocations load along the operand's contiguous index.
			int i = TRANS_A != 0 ? e % TILE : e / TILE_K;
			int l = TRANS_A != 0 ? e / TILE : e % TILE_K;
			int gi = row0 + i, gl = l0 + l;
			a_tile[l][i] = (gi < m && gl < k) ? a[abase + a_at(gi, gl)] : 0.0;
			int j = TRANS_B != 0 ? e / TILE_K : e % TILE;
			int lb = TRANS_B != 0 ? e % TILE_K : e / TILE;
			int gj = col0 + j, glb = l0 + lb;
			b_tile[lb][j] = (gj < n && glb < k) ? b[bbase + b_at(glb, gj)] : 0.0;
		}
		SYNC();
		for (int l = 0; l < TILE_K; l++) {
			float ar[WORK];
			float br[WORK];
			for (int r = 0; r < WORK; r++) {
				ar[r] = a_tile[l][ty + r * THREADS];
			}
			for (int s = 0; s < WORK; s++) {
				br[s] = b_tile[l][tx + s * THREADS];
			}
			for (int r = 0; r < WORK; r++) {
				for (int s = 0; s < WORK; s++) {
					acc[r][s] += ar[r] * br[s];
				}
			}
		}
		SYNC();
	}
	for (int r = 0; r < WORK; r++) {
		int i = row0 + ty + r * THREADS;
		for (int s = 0; s < WORK; s++) {
			int j = col0 + tx + s * THREADS;
			if (i < m && j < n) {
				int e = cbase + i * ldc + j;
				float v = alpha * acc[r][s];
				if (beta != 0.0) {
					v += beta * c[e];
				}
				c[e] = v;
			}
		}
	}
}

void main() {
	int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
	int tid = ty * THREADS + tx;
	// The loops are uniform across the work group (they depend only on its
	// ID), so block's barriers are reached by every invocation.
	for (int z = int(gl_WorkGroupID.z); z < batch0 * batch1; z += int(gl_NumWorkGroups.z)) {
		int p = z / batch1, q = z % batch1;
		int abase = a_off + p * a_s0 + q * a_s1;
		int bbase = b_off + p * b_s0 + q * b_s1;
		int cbase = c_off + p * c_s0 + q * c_s1;
		for (int row0 = int(gl_WorkGroupID.y) * TILE; row0 < m; row0 += int(gl_NumWorkGroups.y) * TILE) {
			for (int col0 = int(gl_WorkGroupID.x) * TILE; col0 < n; col0 += int(gl_NumWorkGroups.x) * TILE) {
				block(abase, bbase, cbase, row0, col0, tx, ty, tid);
			}
		}
	}
}
