// sum.comp: out[g] = scale · Σ of work group g's share of x.
// CPU reference: backend/cpu/reduce.go Backend.Sum.
// Bindings: 0 x, 1 out. Uniforms: n (elements of x), scale.
//
// Dispatched twice for a full sum: G groups write G partial sums, then one
// group sums those into the result (scaled, for means). Invocation t of
// group g adds x[g·WG + t + q·G·WG] for q = 0, 1, … in order, then the group
// adds its WG values as a binary tree in shared memory. For a given n and G
// the order of every addition is fixed, so the sum is the same bits every
// run (no float atomics).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float out_[]; };
uniform int n;
uniform float scale;

shared float part[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint stride = gl_NumWorkGroups.x * WG;
	float s = 0.0;
	for (uint i = gl_WorkGroupID.x * WG + lid; i < uint(n); i += stride) {
		s += x[i];
	}
	part[lid] = s;
	SYNC();
	for (uint h = WG / 2; h > 0; h >>= 1) {
		if (lid < h) {
			part[lid] += part[lid + h];
		}
		SYNC();
	}
	if (lid == 0) {
		out_[gl_WorkGroupID.x] = part[0] * scale;
	}
}
