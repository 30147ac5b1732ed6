// matmul_forward.comp: C = alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ.
// CPU reference: backend/cpu/matmul.go Backend.MatMul.
// Bindings: 0 A, 1 B, 2 C (read when beta ≠ 0, written), 3 P (the
// partial products, written when slices > 1; otherwise any buffer).
// Uniforms: m, n, k (op(A) is m×k, op(B) k×n, C m×n), alpha, beta;
// k_begin, k_chunk, slices (split-K, below).
// Defines (the variant; backend/gl/matmul_variant.go names them):
//	TILE     32, 64 or 128: a work group computes a TILE×TILE block of C,
//	         each of its 16×16 invocations a WORK×WORK sub-block (2×2, 4×4
//	         or 8×8 registers) on a 16-strided grid, so neighbours store
//	         neighbouring columns
//	TRANS_A, TRANS_B  0 or 1: the operands' layouts, compiled in, so no
//	         load branches on them
//	VEC      1 or 4: global loads of 4 floats at once along an operand's
//	         contiguous index, for sizes the launcher knows to be multiples
//	         of 4 (whole vec4s only; edges load one float at a time)
//	DBUF     0 or 1: double-buffered tiles, loading the next k-tile into
//	         one shared buffer while the other is multiplied, with one
//	         barrier per k-tile instead of two
//	TILE_K   16, or 8 for double-buffered 128-tiles, so that they fit in
//	         32 KB of shared memory (llvmpipe's limit; NVIDIA's is 48 KB)
// Shared tiles are padded by one float per row, so that stores along the
// non-contiguous index do not all fall in one bank.
//
// Split-K: no invocation sums more than k_chunk (≤ 4096) products, since a
// loop over a dimension the input sets is silently cut short on some
// drivers (llvmpipe). Work-group layer z sums the products of k in
// [k_begin + z·k_chunk, k_begin + (z+1)·k_chunk) ∩ [0, k). With one slice
// the result goes to C as alpha·sum + beta·C; with several, each slice
// writes its raw sum to P[z·m·n + i·n + j], and matmul_reduce.comp adds the
// slices in order (backend/gl/matmul.go plans the rounds).
//
// Out of range elements load as 0, so any m, n, k work; a work group steps
// on by the dispatch's size over the blocks beyond GL's 65535 groups per
// dimension. Every variant adds each element's products in the same order,
// l = k0, k0+1, …: all variants give the same bits, run after run.
#ifndef TILE
#define TILE 64
#endif
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
#endif
#ifndef VEC
#define VEC 1
#endif
#ifndef DBUF
#define DBUF 0
#endif
#ifndef TILE_K
#define TILE_K 16
#endif
#define THREADS 16
#define WORK (TILE / THREADS)
#define NBUF (DBUF + 1)

layout(local_size_x = THREADS, local_size_y = THREADS) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
#if VEC == 4
layout(std430, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer B4 { vec4 b4[]; };
#endif
layout(std430, binding = 2) buffer C { float c[]; };
layout(std430, binding = 3) writeonly buffer P { float partial[]; };
uniform int m;
uniform int n;
uniform int k;
uniform float alpha;
uniform float beta;
uniform int k_begin;
uniform int k_chunk;
uniform int slices;

shared float a_tile[NBUF][TILE_K][TILE + 1];
shared float b_tile[NBUF][TILE_K][TILE + 1];

// A's element op(A)[i][l] lives at a_at(i, l); likewise B's op(B)[l][j].
int a_at(int i, int l) { return TRANS_A != 0 ? l * m + i : i * k + l; }
int b_at(int l, int j) { return TRANS_B != 0 ? j * k + l : l * n + j; }

// load_tiles fills buffer buf with the k-tile from l0: op(A)'s rows
// row0 … row0+TILE−1 and op(B)'s columns col0 … col0+TILE−1, zero outside
// the matrices and at or beyond k_end. Each invocation loads VEC
// consecutive elements along the operand's contiguous index at a time.
void load_tiles(int buf, int row0, int col0, int l0, int k_end, int tid) {
	for (int e = tid; e < TILE_K * TILE / VEC; e += THREADS * THREADS) {
		// op(A): contiguous along i when transposed, along l otherwise.
		int i = TRANS_A != 0 ? (e % (TILE / VEC)) * VEC : e / (TILE_K / VEC);
		int l = TRANS_A != 0 ? e / (TILE / VEC) : (e % (TILE_K / VEC)) * VEC;
		int gi = row0 + i, gl = l0 + l;
#if VEC == 4
		bool whole = TRANS_A != 0 ? (gi + 3 < m && gl < k_end) : (gi < m && gl + 3 < k_end);
		if (whole) {
			vec4 v = a4[a_at(gi, gl) >> 2];
			for (int q = 0; q < 4; q++) {
				a_tile[buf][TRANS_A != 0 ? l : l + q][TRANS_A != 0 ? i + q : i] = v[q];
			}
			continue;
		}
#endif
		for (int q = 0; q < VEC; q++) {
			int qi = TRANS_A != 0 ? gi + q : gi, ql = TRANS_A != 0 ? gl : gl + q;
			a_tile[buf][TRANS_A != 0 ? l : l + q][TRANS_A != 0 ? i + q : i] = (qi < m && ql < k_end) ? a[a_at(qi, ql)] : 0.0;
		}
	}
	for (int e = tid; e < TILE_K * TILE / VEC; e += THREADS * THREADS) {
		// op(B): contiguous along l when transposed, along j otherwise.
		int j = TRANS_B != 0 ? e / (TILE_K / VEC) : (e % (TILE / VEC)) * VEC;
		int l = TRANS_B != 0 ? (e % (TILE_K / VEC)) * VEC : e / (TILE / VEC);
		int gj = col0 + j, gl = l0 + l;
#if VEC == 4
		bool whole = TRANS_B != 0 ? (gj < n && gl + 3 < k_end) : (gj + 3 < n && gl < k_end);
		if (whole) {
			vec4 v = b4[b_at(gl, gj) >> 2];
			for (int q = 0; q < 4; q++) {
				b_tile[buf][TRANS_B != 0 ? l + q : l][TRANS_B != 0 ? j : j + q] = v[q];
			}
			continue;
		}
#endif
		for (int q = 0; q < VEC; q++) {
			int qj = TRANS_B != 0 ? gj : gj + q, ql = TRANS_B != 0 ? gl + q : gl;
			b_tile[buf][TRANS_B != 0 ? l + q : l][TRANS_B != 0 ? j : j + q] = (qj < n && ql < k_end) ? b[b_at(ql, qj)] : 0.0;
		}
	}
}

// block computes slice z's part of the TILE×TILE block of C whose top-left
// is (row0, col0): the products of k in [k0, k_end).
void block(int row0, int col0, int tx, int ty, int tid, int z, int k0, int k_end) {
	float acc[WORK][WORK];
	for (int r = 0; r < WORK; r++) {
		for (int s = 0; s < WORK; s++) {
			acc[r][s] = 0.0;
		}
	}
#if DBUF
	load_tiles(0, row0, col0, k0, k_end, tid);
	SYNC();
#endif
	int buf = 0;
	for (int l0 = k0; l0 < k_end; l0 += TILE_K) {
#if DBUF
		// Load the next tile into the other buffer, which every invocation
		// finished reading before the barrier that ended the last tile.
		if (l0 + TILE_K < k_end) {
			load_tiles(1 - buf, row0, col0, l0 + TILE_K, k_end, tid);
		}
#else
		load_tiles(0, row0, col0, l0, k_end, tid);
		SYNC();
#endif
		for (int l = 0; l < TILE_K; l++) {
			float ar[WORK];
			float br[WORK];
			for (int r = 0; r < WORK; r++) {
				ar[r] = a_tile[buf][l][ty + r * THREADS];
			}
			for (int s = 0; s < WORK; s++) {
				br[s] = b_tile[buf][l][tx + s * THREADS];
			}
			for (int r = 0; r < WORK; r++) {
				for (int s = 0; s < WORK; s++) {
					acc[r][s] += ar[r] * br[s];
				}
			}
		}
		SYNC();
#if DBUF
		buf = 1 - buf;
#endif
	}
	for (int r = 0; r < WORK; r++) {
		int i = row0 + ty + r * THREADS;
		for (int s = 0; s < WORK; s++) {
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
		for (int row0 = int(gl_WorkGroupID.y) * TILE; row0 < m; row0 += int(gl_NumWorkGroups.y) * TILE) {
			for (int col0 = int(gl_WorkGroupID.x) * TILE; col0 < n; col0 += int(gl_NumWorkGroups.x) * TILE) {
				block(row0, col0, tx, ty, tid, z, k0, k_end);
			}
		}
	}
}
