// scatter_add_rows_tree.comp: the pass of stride s of ScatterAddRows'
// pairwise sums, in place over the sorted rows: with r = k − first[v] the
// place of row k within its index v's run,
//	acc[k,:] += acc[k+s,:]   where r is a multiple of 2s and row k+s is also v's
// A row read in this pass (r + s, an odd multiple of s) is not written in
// it. Rows whose index is not a row of dst are left alone.
// CPU reference: backend/cpu/scatter.go scatterRow.
// Bindings: 0 index (n), 1 perm (uint), 2 first (int), 3 acc (n×dim).
// Uniforms: n, dim, rows, stride.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Index { float index[]; };
layout(std430, binding = 1) readonly buffer Perm { uint perm[]; };
layout(std430, binding = 2) readonly buffer First { int first[]; };
layout(std430, binding = 3) buffer Acc { float acc[]; };
uniform int n;
uniform int dim;
uniform int rows;
uniform int stride;

int key(uint k) { return class_index(index[perm[k]], rows); }

void main() {
	uint d = uint(dim), s = uint(stride);
	FOR_EACH(e, uint(n) * d) {
		uint k = e / d;
		int v = key(k);
		if (v < 0 || k + s >= uint(n)) continue;
		uint r = k - uint(first[v]);
		if (r % (2u * s) == 0u && key(k + s) == v) acc[e] += acc[e + s * d];
	}
}
