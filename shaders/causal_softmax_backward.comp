// causal_softmax_backward.comp: the gradient of the causal softmax's scores
// ((rows)×T), one work group per row (the dispatch stepping on over the
// rows beyond its size). Row r is query position t = r mod T:
//	ds_j = p_j·(dp_j − Σ_{k≤t} p_k·dp_k)  (j ≤ t);  ds_j = 0  (j > t)
// reading neither p nor dp in the masked columns. Invocation i takes
// columns i, i + WG, … of the row, at most PER_THREAD of them (T ≤
// backend.MaxAttentionContext = WG·PER_THREAD), then the group adds its WG
// sums as a binary tree in shared memory: the order is fixed by T, so the
// bits are too. Each invocation reads and writes only its own columns after
// the tree, so ds may be dp.
// CPU reference: backend/cpu/attention.go causalSoftmaxBackward.
// Bindings: 0 p, 1 dp, 2 ds. Uniforms: rows, t_len.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer DP { float dp[]; };
layout(std430, binding = 2) writeonly buffer DS { float ds[]; };
uniform int rows;
uniform int t_len;

#define PER_THREAD 16 // backend.MaxAttentionContext / WG

shared float part[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint r = gl_WorkGroupID.x; r < uint(rows); r += gl_NumWorkGroups.x) {
		uint base = r * uint(t_len), seen = r % uint(t_len) + 1u;
		float dot = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= seen) break;
			dot += p[base + j] * dp[base + j];
		}
		part[lid] = dot;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) part[lid] += part[lid + h];
			SYNC();
		}
		dot = part[0];
		SYNC(); // part is reused by the next row
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(t_len)) break;
			ds[base + j] = j < seen ? p[base + j] * (dp[base + j] - dot) : 0.0;
		}
	}
}
