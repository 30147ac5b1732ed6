// scatter_add_rows_gather.comp: the rows of src in sorted order, and where
// each index's run starts:
//	acc[k,:] = src[perm[k],:];  first[v] = k where run v starts (k = 0 or key(k−1) ≠ v)
// first's other entries are left as they were; the later passes only read
// the entries of indices that occur, and check them.
// CPU reference: backend/cpu/scatter.go scatterRow (its copy into acc).
// Bindings: 0 src (n×dim), 1 index (n), 2 perm (uint), 3 acc (n×dim), 4 first (rows, int).
// Uniforms: n, dim, rows.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) readonly buffer Index { float index[]; };
layout(std430, binding = 2) readonly buffer Perm { uint perm[]; };
layout(std430, binding = 3) writeonly buffer Acc { float acc[]; };
layout(std430, binding = 4) writeonly buffer First { int first[]; };
uniform int n;
uniform int dim;
uniform int rows;

int key(uint k) { return class_index(index[perm[k]], rows); }

void main() {
	uint d = uint(dim);
	FOR_EACH(e, uint(n) * d) {
		uint k = e / d, c = e % d;
		acc[e] = src[perm[k] * d + c];
		if (c == 0u) {
			int v = key(k);
			if (v >= 0 && (k == 0u || key(k - 1u) != v)) first[v] = int(k);
		}
	}
}
