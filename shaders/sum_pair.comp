// sum_pair.comp: two sums of sum.comp in one dispatch, each in sum.comp's
// order (so each gives sum.comp's bits for the same n and group count):
//	out_a[g]             = scale_a · Σ of work group g's share of x[0 : n]
//	out_b[out_off_b + g] = scale_b · Σ of work group g's share of x[off_b : off_b + n]
// Invocation t of group g adds its elements at g·WG + t + q·G·WG, q = 0, 1, …
// in order, then the group adds its WG values as a binary tree in shared
// memory, for both halves side by side. Dispatched as sum.comp is: G groups
// write 2·G partial sums (out_a and out_b the same buffer, out_off_b = G),
// then one group sums those (off_b = G) into the two results. No float
// atomics, so every run gives the same bits.
// CPU reference: backend/cpu/reduce.go Backend.Sum, twice.
// Bindings: 0 x, 1 out_a, 2 out_b. Uniforms: n, off_b, out_off_b, scale_a, scale_b.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer OutA { float out_a[]; };
layout(std430, binding = 2) writeonly buffer OutB { float out_b[]; };
uniform int n;
uniform int off_b;
uniform int out_off_b;
uniform float scale_a;
uniform float scale_b;

shared float part_a[WG];
shared float part_b[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint stride = gl_NumWorkGroups.x * WG;
	float sa = 0.0;
	float sb = 0.0;
	for (uint i = gl_WorkGroupID.x * WG + lid; i < uint(n); i += stride) {
		sa += x[i];
		sb += x[uint(off_b) + i];
	}
	part_a[lid] = sa;
	part_b[lid] = sb;
	SYNC();
	for (uint h = WG / 2; h > 0; h >>= 1) {
		if (lid < h) {
			part_a[lid] += part_a[lid + h];
			part_b[lid] += part_b[lid + h];
		}
		SYNC();
	}
	if (lid == 0) {
		out_a[gl_WorkGroupID.x] = part_a[0] * scale_a;
		out_b[uint(out_off_b) + gl_WorkGroupID.x] = part_b[0] * scale_b;
	}
}
