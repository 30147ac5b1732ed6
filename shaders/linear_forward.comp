// linear_forward.comp: a fully connected layer and its activation in one
// pass,
//	z[i,j] = Σ_l x[i,l]·W[l,j] + bias[j]
//	y[i,j] = f(z[i,j])
// with x batch×in, W in×out, z and y batch×out.
// CPU reference: backend/cpu/linear.go Backend.LinearForward (linearForward).
// Bindings: 0 x, 1 W, 2 bias (read when has_bias ≠ 0), 3 y, 4 z (written
// when store_z ≠ 0). An unused binding holds any buffer; it is not touched.
// Uniforms: m, n, k (batch, out, in), has_bias, store_z, act_p0 and act_p1
// (the activation's parameters, Activation.Param). Defines: ACT, the
// activation, a backend.ActivationKind.
//
// The product is matmul_forward.comp's for NoTrans·NoTrans, tile for tile:
// a 16×16 work group computes a TILE_M×TILE_N block, each invocation a
// WORK_M×WORK_N sub-block on a 16-strided grid, stepping through k by
// TILE_K with both operands staged in shared memory (out of range elements
// load as 0, so any size works; a work group steps on by the dispatch's
// size over blocks beyond GL's 65535 groups per dimension). Each element
// sums its k products in order, as matmul_forward.comp does: z has the bits
// of MatMul followed by AddBias. The epilogue adds the bias and applies f
// with act_forward, the function activation_forward.comp calls, so
// NaN and ±Inf come out as on the unfused path. TILE_M and TILE_N are set
// by the launcher (backend/gl/linear.go), whose grid depends on them.
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

layout(local_size_x = THREADS, local_size_y = THREADS) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 4) writeonly buffer Z { float z[]; };
uniform int m;
uniform int n;
uniform int k;
uniform int has_bias;
uniform int store_z;

shared float a_tile[TILE_K][TILE_M];
shared float b_tile[TILE_K][TILE_N];

// x[i][l] and W[l][j], 0 outside the matrices.
float load_x(int i, int l) {
	if (i >= m || l >= k) return 0.0;
	return x[i * k + l];
}
float load_w(int l, int j) {
	if (l >= k || j >= n) return 0.0;
	return w[l * n + j];
}

// block computes the TILE_M×TILE_N block of y (and z) whose top-left is
// (row0, col0).
void block(int row0, int col0, int tx, int ty, int tid) {
	float acc[WORK_M][WORK_N];
	for (int r = 0; r < WORK_M; r++) {
		for (int s = 0; s < WORK_N; s++) {
			acc[r][s] = 0.0;
		}
	}
	for (int l0 = 0; l0 < k; l0 += TILE_K) {
		for (int e = tid; e < TILE_K * TILE_M; e += THREADS * THREADS) {
			int i = e / TILE_K, l = e % TILE_K; // along l: x's rows are contiguous
			a_tile[l][i] = load_x(row0 + i, l0 + l);
		}
		for (int e = tid; e < TILE_K * TILE_N; e += THREADS * THREADS) {
			int j = e % TILE_N, l = e / TILE_N; // along j: W's rows are contiguous
			b_tile[l][j] = load_w(l0 + l, col0 + j);
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
				float v = acc[r][s];
				if (has_bias != 0) {
					v += bias[j];
				}
				if (store_z != 0) {
					z[i * n + j] = v;
				}
				y[i * n + j] = act_forward(v);
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
