// row_argmax_partial.comp: one level of the wide-row argmax tree, for rows
// too long for one invocation (argmax.comp's loop). Work item w = i·k + g
// (one work group each, the dispatch stepping on beyond its size) reduces
// chunk g of row i, inputs g·CHUNK … min(n, (g+1)·CHUNK) − 1, to one record
// of the chunk's first maximum:
//	rec = (value, index | 0x80000000 when a NaN was seen)   (two floats, the second as bits)
// NaN is skipped, ties go to the lowest index, a chunk of NaN gives (NaN, its
// first index), so the tree's answer is argmax.comp's whatever the grouping.
// Level 0 reads the m×n values x (index = column); later levels read the
// m×n records of the level before. out_mode 0 writes the m×k records to
// rec_out; with k = 1, out_mode 1 writes dst[i] = index (Argmax) and
// out_mode 2 hit[i] = [index = labels[i]] (CountCorrect), into rec_out.
// Invocation t scans inputs t, t + WG, … of the chunk in order (PER_THREAD
// at most), then the group picks among its WG records as a tree; the
// choice is exact, so the result does not depend on the order.
// CPU reference: backend/cpu/reduce.go argmax.
// Bindings: 0 x (level 0), 1 rec_in (later levels; any buffer at level 0),
// 2 labels (out_mode 2; any buffer else), 3 rec_out.
// Uniforms: m, n (inputs per row), k (chunks per row, ⌈n/CHUNK⌉), level, out_mode.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer RecIn { float rec_in[]; };
layout(std430, binding = 2) readonly buffer Labels { float labels[]; };
layout(std430, binding = 3) writeonly buffer RecOut { float rec_out[]; };
uniform int m;
uniform int n;
uniform int k;
uniform int level;
uniform int out_mode;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);
const uint NAN_SEEN = 0x80000000u;

shared float part_v[WG];
shared uint part_i[WG];

// better reports whether (bv, bi) is a better maximum than (av, ai): a
// larger number, any number over NaN, the lower index among equals (and
// among NaN). The NaN tests are explicit: compilers may assume no NaN in
// comparisons.
bool better(float av, uint ai, float bv, uint bi) {
	if (isnan(bv)) return isnan(av) && bi < ai;
	return isnan(av) || bv > av || (bv == av && bi < ai);
}

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint items = uint(m) * uint(k);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint i = w / uint(k), g = w % uint(k);
		uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
		float bv = NAN;
		uint bi = 0x7fffffffu, flag = 0u;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = start + lid + q * uint(WG);
			if (j >= end) break;
			uint e = i * uint(n) + j;
			float v;
			uint idx;
			if (level == 0) {
				v = x[e];
				idx = j;
				flag |= isnan(v) ? NAN_SEEN : 0u;
			} else {
				v = rec_in[2u * e];
				uint bits = floatBitsToUint(rec_in[2u * e + 1u]);
				idx = bits & ~NAN_SEEN;
				flag |= bits & NAN_SEEN;
			}
			if (better(bv, bi, v, idx)) {
				bv = v;
				bi = idx;
			}
		}
		part_v[lid] = bv;
		part_i[lid] = bi | flag;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				uint ai = part_i[lid], ci = part_i[lid + h];
				uint f = (ai | ci) & NAN_SEEN;
				if (better(part_v[lid], ai & ~NAN_SEEN, part_v[lid + h], ci & ~NAN_SEEN)) {
					part_v[lid] = part_v[lid + h];
					ai = ci;
				}
				part_i[lid] = ai | f;
			}
			SYNC();
		}
		if (lid == 0u) {
			uint best = part_i[0] & ~NAN_SEEN;
			if (out_mode == 0) {
				rec_out[2u * w] = part_v[0];
				rec_out[2u * w + 1u] = uintBitsToFloat(part_i[0]);
			} else if (out_mode == 1) {
				rec_out[i] = float(best);
			} else {
				rec_out[i] = float(best) == labels[i] ? 1.0 : 0.0;
			}
		}
		SYNC(); // the parts are reused by the next work item
	}
}
