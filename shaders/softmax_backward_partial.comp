// softmax_backward_partial.comp: the first level of the wide-row sum for
// softmax_backward.comp (rows longer than softmax_backward_rows.comp's
// loop). Chunk g of row i gives
//	part[i, g] = (Σ_{k in chunk g} dy[i,k]·y[i,k], 0)
// so that row_partial_sum.comp's levels leave s = Σ_k dy[i,k]·y[i,k]. Work
// item w = i·k + g (one work group each, the dispatch stepping on beyond
// its size): invocation t adds elements t, t + WG, … of the chunk in order
// (PER_THREAD at most), then the group adds its WG sums as a binary tree;
// the order is fixed by n.
// CPU reference: backend/cpu/softmax.go softmaxBackward (its sum).
// Bindings: 0 y (m×n), 1 dy (m×n), 2 part (2·m·k).
// Uniforms: m, n, k (chunks per row, ⌈n/CHUNK⌉).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer Part { float part[]; };
uniform int m;
uniform int n;
uniform int k;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);

shared float part_s[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		float s = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = start + lid + q * uint(WG);
			if (j >= end) break;
			uint e = i * uint(n) + j;
			s += dy[e] * y[e];
		}
		part_s[lid] = s;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part_s[lid] += part_s[lid + h];
			}
			SYNC();
		}
		if (lid == 0u) {
			part[2u * w] = part_s[0];
			part[2u * w + 1u] = 0.0;
		}
		SYNC(); // part_s is reused by the next work item
	}
}
