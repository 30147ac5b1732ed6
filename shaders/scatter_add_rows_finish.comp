// scatter_add_rows_finish.comp: dst[v,:] += acc[first[v],:], the sum of
// index v's rows, for every v that occurs; all of dst NaN when an index is
// not a row of dst (it sorts first, so key(0) < 0). An entry of first is
// trusted only when it points at the start of v's run: entries of indices
// that do not occur were never written.
// CPU reference: backend/cpu/scatter.go ScatterAddRows.
// Bindings: 0 index (n), 1 perm (uint), 2 first (int), 3 acc (n×dim), 4 dst (rows×dim).
// Uniforms: n, dim, rows.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Index { float index[]; };
layout(std430, binding = 1) readonly buffer Perm { uint perm[]; };
layout(std430, binding = 2) readonly buffer First { int first[]; };
layout(std430, binding = 3) readonly buffer Acc { float acc[]; };
layout(std430, binding = 4) buffer Dst { float dst[]; };
uniform int n;
uniform int dim;
uniform int rows;

int key(uint k) { return class_index(index[perm[k]], rows); }

void main() {
	uint d = uint(dim);
	bool bad = key(0u) < 0;
	FOR_EACH(e, uint(rows) * d) {
		if (bad) {
			dst[e] = NAN;
			continue;
		}
		int v = int(e / d), k = first[v];
		if (k < 0 || k >= n || key(uint(k)) != v || (k > 0 && key(uint(k - 1)) == v)) continue;
		dst[e] += acc[uint(k) * d + e % d];
	}
}
