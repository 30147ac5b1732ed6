// add_squares.comp: out[g] = (accumulate ? out[g] : 0) + Σ of work group
// g's share of x², or of x when square is 0.
// CPU reference: backend/cpu/clip.go Backend.AddSquares.
// Bindings: 0 x, 1 out. Uniforms: n (elements of x), square, accumulate.
//
// Dispatched as sum.comp is: for a large x, G groups write G partial sums
// of squares (square 1, accumulate 0) into a scratch buffer, then one
// group adds those (square 0, accumulate 1) to the accumulator; for a
// small x, one group squares and accumulates at once. Invocation t of
// group g adds its elements at g·WG + t + q·G·WG, q = 0, 1, … in order,
// then the group adds its WG values as a binary tree in shared memory: a
// fixed order, so the same bits every run (no float atomics).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Out { float out_[]; };
uniform int n;
uniform int square;
uniform int accumulate;

shared float part[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint stride = gl_NumWorkGroups.x * WG;
	float s = 0.0;
	for (uint i = gl_WorkGroupID.x * WG + lid; i < uint(n); i += stride) {
		float v = x[i];
		s += square != 0 ? v * v : v;
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
		float prev = accumulate != 0 ? out_[gl_WorkGroupID.x] : 0.0;
		out_[gl_WorkGroupID.x] = prev + part[0];
	}
}
