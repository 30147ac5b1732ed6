// causal_softmax_backward.comp: the gradient of the causal softmax's scores
// ((rows)×T), LANES invocations per row, WG/LANES rows per work group (the
// dispatch stepping on over the rows beyond its size). Row r is query
// position t = r mod T:
//	ds_j = p_j·(dp_j − Σ_{k≤t} p_k·dp_k)  (j ≤ t);  ds_j = 0  (j > t)
// reading neither p nor dp in the masked columns. Lane i of a row takes
// its columns i, i + LANES, … at most PER_THREAD of them (T ≤
// backend.MaxAttentionContext = LANES·PER_THREAD), then the row's lanes
// add their sums as a binary tree in shared memory: the order is fixed by
// T, so the bits are too. Each invocation reads and writes only its own
// columns after the tree, so ds may be dp.
// CPU reference: backend/cpu/attention.go causalSoftmaxBackward.
// Bindings: 0 p, 1 dp, 2 ds. Uniforms: rows, t_len.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer DP { float dp[]; };
layout(std430, binding = 2) writeonly buffer DS { float ds[]; };
uniform int rows;
uniform int t_len;

#define LANES 32
#define ROWS (WG / LANES)
#define PER_THREAD 128 // backend.MaxAttentionContext / LANES

shared float part[WG];

void main() {
	uint lid = gl_LocalInvocationID.x, lane = lid % uint(LANES), first = lid - lane;
	// The loop is uniform across the work group, so every invocation
	// reaches the barriers; those past the last row compute nothing.
	for (uint r0 = gl_WorkGroupID.x * uint(ROWS); r0 < uint(rows); r0 += gl_NumWorkGroups.x * uint(ROWS)) {
		uint r = r0 + lid / uint(LANES);
		bool live = r < uint(rows);
		uint base = r * uint(t_len), seen = live ? r % uint(t_len) + 1u : 0u;
		float dot = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lane + q * uint(LANES);
			if (j >= seen) break;
			dot += p[base + j] * dp[base + j];
		}
		part[lid] = dot;
		SYNC();
		for (uint h = uint(LANES) / 2u; h > 0u; h >>= 1) {
			if (lane < h) part[lid] += part[lid + h];
			SYNC();
		}
		dot = part[first];
		SYNC(); // part is reused by the next rows
		for (uint q = 0u; q < uint(PER_THREAD) && live; q++) {
			uint j = lane + q * uint(LANES);
			if (j >= uint(t_len)) break;
			ds[base + j] = j < seen ? p[base + j] * (dp[base + j] - dot) : 0.0;
		}
	}
}
