// softmax_cross_entropy_partial.comp: the first level of the wide-row sum
// for softmax_cross_entropy_finish.comp and softmax_forward.comp (see
// backend/gl/loss_wide.go softmaxRowStats). With the row's first maximum x_a
// from the argmax tree (row_argmax_partial.comp), chunk g of row i gives
//	part[i, g] = (Σ_{j in chunk g, j≠a} exp(x_j − x_a), 0)
// so that row_partial_sum.comp's levels leave u = Σ_{j≠a} exp(x_j − x_a),
// the u of softmax_cross_entropy.comp. Work item w = i·k + g (one work group
// each, the dispatch stepping on beyond its size): invocation t adds
// elements t, t + WG, … of the chunk in order (PER_THREAD at most), then the
// group adds its WG sums as a binary tree; the order is fixed by n.
// CPU reference: the sum of backend/cpu/loss.go softmaxCrossEntropyRow and
// of backend/cpu/softmax.go softmaxForward.
// Bindings: 0 logits (m×n), 1 best (m records), 2 part (2·m·k).
// Uniforms: m, n, k (chunks per row, ⌈n/CHUNK⌉).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Best { float best[]; };
layout(std430, binding = 2) writeonly buffer Part { float part[]; };
uniform int m;
uniform int n;
uniform int k;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);

shared float part_u[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		float mx = best[2u * i];
		uint a = floatBitsToUint(best[2u * i + 1u]) & 0x7fffffffu;
		float u = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = start + lid + q * uint(WG);
			if (j >= end) break;
			if (j != a) {
				u += exp_f(x[i * uint(n) + j] - mx);
			}
		}
		part_u[lid] = u;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part_u[lid] += part_u[lid + h];
			}
			SYNC();
		}
		if (lid == 0u) {
			part[2u * w] = part_u[0];
			part[2u * w + 1u] = 0.0;
		}
		SYNC(); // part_u is reused by the next work item
	}
}
