// svm_hinge_partial.comp: the first level of the wide-row sum for
// svm_hinge_finish.comp. For row i of scores s with label c, chunk g gives
//	part[i, g] = (Σ_{j in chunk g, j≠c} max(0, s_j − s_c + margin),
//	              the count of those terms above 0)
// so that row_partial_sum.comp's levels leave the row's loss and the count
// of classes inside the margin. A label that is not a class index gives
// (0, 0); svm_hinge_finish.comp writes NaN for it. A score that is NaN or
// ±Inf (in the chunk, or the label's) makes the chunk's loss NaN, which the
// sums carry to svm_hinge_finish.comp. Work item w = i·k + g
// (one work group each, the dispatch stepping on beyond its size):
// invocation t adds elements t, t + WG, … of the chunk in order (PER_THREAD
// at most), then the group adds its WG sums as a binary tree; the order is
// fixed by n.
// CPU reference: the sums of backend/cpu/loss.go svmHingeRow.
// Bindings: 0 scores (m×n), 1 labels, 2 part (2·m·k).
// Uniforms: m, n, k (chunks per row, ⌈n/CHUNK⌉), margin.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer Part { float part[]; };
uniform int m;
uniform int n;
uniform int k;
uniform float margin;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);

shared float part_loss[WG];
shared float part_inside[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		float loss = 0.0, inside = 0.0;
		if (c >= 0) {
			float sc = scores[base + uint(c)];
			bool finite = is_finite_f(sc);
			for (uint q = 0u; q < uint(PER_THREAD); q++) {
				uint j = start + lid + q * uint(WG);
				if (j >= end) break;
				finite = finite && is_finite_f(scores[base + j]);
				float d = scores[base + j] - sc + margin;
				if (int(j) != c && d > 0.0) {
					loss += d;
					inside += 1.0;
				}
			}
			if (!finite) {
				loss = NAN;
			}
		}
		part_loss[lid] = loss;
		part_inside[lid] = inside;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part_loss[lid] += part_loss[lid + h];
				part_inside[lid] += part_inside[lid + h];
			}
			SYNC();
		}
		if (lid == 0u) {
			part[2u * w] = part_loss[0];
			part[2u * w + 1u] = part_inside[0];
		}
		SYNC(); // the parts are reused by the next work item
	}
}
