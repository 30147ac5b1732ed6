// linear_backward.comp: the gradients of a fully connected layer and its
// activation, y = f(x·W + b), given its pre-activation z and the upstream
// gradient dy, with dz = dy ⊙ f'(z) applied as dy is loaded (never stored):
//	pass 0 (weights):  dW = xᵀ·dz + beta·dW   and   db = colsum(dz) + beta_b·db
//	pass 1 (input):    dx = dz·Wᵀ + beta·dx
// with x batch×in, W in×out, z and dy batch×out. Pass 0 is one product
// whose left operand is xᵀ with a row of ones appended (row in): that row
// of the result is db. Its rows first_row … first_row+m−1 are computed, so
// that dW alone (rows 0 … in−1), db alone (row in) or both can be asked for.
// CPU reference: backend/cpu/linear.go Backend.LinearBackward (linearDz,
// linearDb).
// Bindings: 0 x (pass 0) or W (pass 1), 1 dy, 2 z (read when act is not
// the identity), 3 dW (pass 0) or dx (pass 1), 4 db (pass 0), 5 P (split-K). An unused
// binding holds any buffer; it is not touched. Each output is read when its
// beta ≠ 0.
// Uniforms: m, n, k (the product's size: pass 0 rows of xᵀ, out, batch;
// pass 1 batch, in, out); rows (in, the rows of xᵀ) and first_row (pass 0);
// act_p0, act_p1 (the activation's parameters); beta (dW's or dx's), beta_b (db's);
// k_begin, k_chunk, slices: split-K as in matmul_forward.comp — with more
// than one slice, slice z writes its raw sums for the m×n rows computed to
// binding 5, P[z·m·n + i·n + j], and matmul_reduce.comp adds the slices in
// order into dW, db or dx (backend/gl/linear.go).
// Defines: PASS (0 or 1); ACT, the activation, a backend.ActivationKind.
//
// The tiling is matmul_forward.comp's: a 16×16 work group computes a
// TILE_M×TILE_N block, each invocation a WORK_M×WORK_N sub-block on a
// 16-strided grid, stepping through k by TILE_K, each element summing its
// k products in order (deterministic); out of range elements load as 0,
// and a work group steps on by the dispatch's size beyond GL's 65535
// groups. Pass 0 loads xᵀ as MatMul's Trans operand and dz as its NoTrans
// one, pass 1 dz as NoTrans and Wᵀ as Trans, each along its contiguous
// index. dz is act_backward(dy[i], z[i]), what activation_backward.comp
// forms, so NaN and ±Inf come out as on the unfused path. TILE_M and TILE_N
// are set by the launcher (backend/gl/linear.go), whose grid depends on them.
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

// The activation and (linear_backward.comp) the pass are compiled in: the
// launcher asks for the variant "…?ACT=k,PASS=p" (glrt.Variant), so no
// invocation branches on them.
#ifndef PASS
#define PASS 0
#endif
const int input_pass = PASS;

layout(local_size_x = THREADS, local_size_y = THREADS) in;
layout(std430, binding = 0) readonly buffer XW { float xw[]; };
layout(std430, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, binding = 2) readonly buffer Z { float z[]; };
layout(std430, binding = 3) buffer C { float c[]; };
layout(std430, binding = 4) buffer Db { float db[]; };
layout(std430, binding = 5) writeonly buffer P { float partial[]; };
uniform int m;
uniform int n;
uniform int k;
uniform int rows;
uniform int first_row;
uniform float beta;
uniform float beta_b;
uniform int k_begin;
uniform int k_chunk;
uniform int slices;

shared float a_tile[TILE_K][TILE_M];
shared float b_tile[TILE_K][TILE_N];

// dz_at is dz[r][col] = dy[r][col]·f'(z[r][col]), dz being cols wide; the
// identity's is dy·1, ReLU's a selection (act_backward).
float dz_at(int r, int col, int cols) {
	int e = r * cols + col;
	return act_backward(dy[e], z[e]);
}

// op_a(i, l) is the product's left operand, op_b(l, j) its right one, 0
// outside the matrices: pass 0 xᵀ (plus the ones row) and dz, pass 1 dz
// and Wᵀ.
float op_a(int i, int l, int k_end) {
	if (i >= m || l >= k_end) return 0.0;
	if (input_pass == 0) {
		int row = first_row + i;
		return row == rows ? 1.0 : xw[l * rows + row];
	}
	return dz_at(i, l, k);
}
float op_b(int l, int j, int k_end) {
	if (l >= k_end || j >= n) return 0.0;
	if (input_pass == 0) return dz_at(l, j, n);
	return xw[j * k + l];
}

// block computes the TILE_M×TILE_N block of the product whose top-left is
// (row0, col0), and stores it into dW and db, or into dx.
void block(int row0, int col0, int tx, int ty, int tid, int z, int k0, int k_end) {
	float acc[WORK_M][WORK_N];
	for (int r = 0; r < WORK_M; r++) {
		for (int s = 0; s < WORK_N; s++) {
			acc[r][s] = 0.0;
		}
	}
	for (int l0 = k0; l0 < k_end; l0 += TILE_K) {
		// Pass 0's xᵀ is contiguous along i, pass 1's dz along l.
		for (int e = tid; e < TILE_K * TILE_M; e += THREADS * THREADS) {
			int i = input_pass == 0 ? e % TILE_M : e / TILE_K;
			int l = input_pass == 0 ? e / TILE_M : e % TILE_K;
			a_tile[l][i] = op_a(row0 + i, l0 + l, k_end);
		}
		// Pass 0's dz is contiguous along j, pass 1's Wᵀ along l.
		for (int e = tid; e < TILE_K * TILE_N; e += THREADS * THREADS) {
			int j = input_pass == 0 ? e % TILE_N : e / TILE_K;
			int l = input_pass == 0 ? e / TILE_N : e % TILE_K;
			b_tile[l][j] = op_b(l0 + l, col0 + j, k_end);
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
			if (i >= m || j >= n) continue;
			float v = acc[r][s];
			if (slices > 1) {
				partial[z * m * n + i * n + j] = v;
				continue;
			}
			if (input_pass == 0 && first_row + i == rows) {
				if (beta_b != 0.0) {
					v += beta_b * db[j];
				}
				db[j] = v;
			} else {
				int e = (input_pass == 0 ? first_row + i : i) * n + j;
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
