// conv2d_bias_backward.comp: the bias gradient of a convolution, the row
// sums of dy in filter-major order (toFilterMajor's dY', K×n·P):
//	db[k] = Σ_{j < n·P} dY'[k, j],   dY'[k, s·P + p] = dy[s, k·P + p]
// summed in double, as the CPU sums in float64: a float32 sum of the n·P
// terms loses digits that a cancelling sum (a bias gradient near 0) needs.
// A tree of work groups (backend/gl/rowreduce.go rowTree): level 0 reads
// dy, each work group summing a chunk of CHUNK elements of one row into a
// partial; each later level sums a chunk of the level before's partials in
// the same way, and the last writes db. Invocation t of a group adds
// elements t, t + WG, … of its chunk in order (PER_THREAD at most), then
// the group adds its WG sums as a binary tree: the order is fixed by the
// sizes, so every run gives the same bits. One work group per partial, in
// a 2-D grid of groups.
// CPU reference: backend/cpu/conv.go rowSums (of toFilterMajor's dY').
// Bindings: 0 dy (n×filters·pixels), 1 p_in (the level before's partials,
// filters×n doubles; level > 0), 2 p_out (filters×k doubles; not last), 3 db
// (1×filters; last). Unused bindings hold any buffer.
// Uniforms: filters, pixels, n (elements of a row at this level), k
// (partials of a row it leaves), level (0 reads dy), last.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer PIn { double p_in[]; };
layout(std430, binding = 2) writeonly buffer POut { double p_out[]; };
layout(std430, binding = 3) writeonly buffer DB { float db[]; };
uniform int filters;
uniform int pixels;
uniform int n;
uniform int k;
uniform int level;
uniform int last;

#define PER_THREAD 16 // rowPerThread in backend/gl/rowreduce.go
const uint CHUNK = uint(WG * PER_THREAD);

shared double part[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint w = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
	if (w >= uint(filters) * uint(k)) return; // the whole group: no barrier is left waiting
	uint row = w / uint(k), g = w % uint(k);
	uint start = g * CHUNK, end = min(uint(n), start + CHUNK);
	uint P = uint(pixels);
	double s = 0.0lf;
	for (uint q = 0u; q < uint(PER_THREAD); q++) {
		uint j = start + lid + q * uint(WG);
		if (j >= end) break;
		if (level == 0) {
			s += double(dy[(j / P) * uint(filters) * P + row * P + j % P]);
		} else {
			s += p_in[row * uint(n) + j];
		}
	}
	part[lid] = s;
	SYNC();
	for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
		if (lid < h) {
			part[lid] += part[lid + h];
		}
		SYNC();
	}
	if (lid == 0u) {
		if (last != 0) {
			db[row] = float(part[0]);
		} else {
			p_out[w] = part[0];
		}
	}
}
