// row_partial_sum.comp: one combining level of the wide-row sum trees
// (softmax_cross_entropy_partial.comp, svm_hinge_partial.comp,
// softmax_backward_partial.comp): the m rows
// of n pairs in p_in become m rows of k = ⌈n/CHUNK⌉ pairs,
//	p_out[i, g] = Σ_{j in chunk g} p_in[i, j]   (each half of the pair apart)
// Work item w = i·k + g (one work group each, the dispatch stepping on
// beyond its size): invocation t adds pairs t, t + WG, … of the chunk in
// order (PER_THREAD at most), then the group adds its WG sums as a binary
// tree. The order is fixed by n: deterministic, no float atomics.
// CPU reference: the row sums of backend/cpu/loss.go softmaxCrossEntropyRow
// and svmHingeRow, and of backend/cpu/softmax.go softmaxForward and
// softmaxBackward.
// Bindings: 0 p_in (2·m·n), 1 p_out (2·m·k). Uniforms: m, n, k.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer PIn { float p_in[]; };
layout(std430, binding = 1) writeonly buffer POut { float p_out[]; };
uniform int m;
uniform int n;
uniform int k;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);

shared float part_a[WG];
shared float part_b[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		float sa = 0.0, sb = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = start + lid + q * uint(WG);
			if (j >= end) break;
			uint e = 2u * (i * uint(n) + j);
			sa += p_in[e];
			sb += p_in[e + 1u];
		}
		part_a[lid] = sa;
		part_b[lid] = sb;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part_a[lid] += part_a[lid + h];
				part_b[lid] += part_b[lid + h];
			}
			SYNC();
		}
		if (lid == 0u) {
			p_out[2u * w] = part_a[0];
			p_out[2u * w + 1u] = part_b[0];
		}
		SYNC(); // the parts are reused by the next work item
	}
}
