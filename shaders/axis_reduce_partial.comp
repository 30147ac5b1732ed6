// axis_reduce_partial.comp: one level of the row trees of
// backend/gl/reduce_axis.go (rowreduce.go's plan): the m rows of n inputs
// become m rows of k = ⌈n/CHUNK⌉ partials, each a pair (a, b):
//	mode 0 (sum):      a = Σ_{j in chunk} v_j                      b = 0
//	mode 1 (max):      a = the first largest v_j (NaN largest)    b = its j's bits
//	mode 2 (sum exp):  a = Σ_{j in chunk} exp(v_j − shift[i])      b = 0
// with v the inputs x[i, j] at level 0 (mode 2 applies exp there only) and
// the pairs of p_in above. The last level (last = 1, k = 1) writes
// dst[i] = scale·a and, for max, arg[i] = float(b's index) instead.
// Work item w = i·k + g (one work group each, the dispatch stepping on
// beyond its size): invocation t takes inputs t, t + WG, … of the chunk in
// order (PER_THREAD at most), then the group combines its WG partials as a
// binary tree (max: the larger, the smaller index on ties). The order is
// fixed by n: deterministic, no atomics.
// CPU reference: backend/cpu/reduce_axis.go reduceSum, reduceMax and
// logSoftmaxForward's row sums.
// Rows of at most PER_THREAD (narrow = 1, one level) take one invocation
// each instead of a work group, adding in order.
// Bindings: 0 x (m·n), 1 p_in (2·m·n), 2 shift (m), 3 p_out (2·m·k),
// 4 dst (m), 5 arg (m). Uniforms: m, n, k, mode, level, last, scale.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer PIn { float p_in[]; };
layout(std430, binding = 2) readonly buffer Shift { float shift[]; };
layout(std430, binding = 3) writeonly buffer POut { float p_out[]; };
layout(std430, binding = 4) writeonly buffer Dst { float dst[]; };
layout(std430, binding = 5) writeonly buffer Arg { float arg[]; };
uniform int m;
uniform int n;
uniform int k;
uniform int mode;
uniform int level;
uniform int last;
uniform float scale;
uniform int narrow;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);
const uint NONE = 0xffffffffu; // the index of an empty partial

shared float part_a[WG];
shared uint part_b[WG];

// better reports whether (va, ia) beats (vb, ib) as the max: larger, NaN
// above numbers, the smaller index among equals (an empty partial, index
// NONE, loses to every element).
bool better(float va, uint ia, float vb, uint ib) {
	bool na = is_nan_f(va), nb = is_nan_f(vb);
	if (ib == NONE) return ia != NONE;
	if (ia == NONE) return false;
	if (na || nb) return na && (!nb || ia < ib);
	return va > vb || (va == vb && ia < ib);
}

// take folds input j of row i into the partial (a, b).
void take(uint i, uint j, inout float a, inout uint b) {
	uint e = i * uint(n) + j;
	float v;
	uint vi = j;
	if (level == 0) {
		v = x[e];
		if (mode == 2) {
			float d = v - shift[i];
			v = is_nan_f(d) ? NAN : exp_f(d); // exp_f does not take NaN
		}
	} else {
		v = p_in[2u * e];
		vi = floatBitsToUint(p_in[2u * e + 1u]);
	}
	if (mode != 1) {
		a += v;
	} else if (better(v, vi, a, b)) {
		a = v;
		b = vi;
	}
}

// finish writes row i's result from its final partial (a, b).
void finish(uint i, float a, uint b) {
	dst[i] = mode == 1 ? a : scale * a;
	if (mode == 1) arg[i] = float(b);
}

void main() {
	if (narrow != 0) { // rows of at most PER_THREAD: one invocation each
		FOR_EACH(i, m) {
			float a = 0.0;
			uint b = NONE;
			for (uint j = 0u; j < uint(n); j++) take(i, j, a, b);
			finish(i, a, b);
		}
		return;
	}
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		float a = 0.0;
		uint b = NONE;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = start + lid + q * uint(WG);
			if (j >= end) break;
			take(i, j, a, b);
		}
		part_a[lid] = a;
		part_b[lid] = b;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				if (mode != 1) {
					part_a[lid] += part_a[lid + h];
				} else if (better(part_a[lid + h], part_b[lid + h], part_a[lid], part_b[lid])) {
					part_a[lid] = part_a[lid + h];
					part_b[lid] = part_b[lid + h];
				}
			}
			SYNC();
		}
		if (lid == 0u) {
			if (last != 0) {
				finish(i, part_a[0], part_b[0]);
			} else {
				p_out[2u * w] = part_a[0];
				p_out[2u * w + 1u] = uintBitsToFloat(part_b[0]);
			}
		}
		SYNC(); // the parts are reused by the next work item
	}
}
