// gather_rows.comp: dst[i,:] = src[index[i],:]; an index that is not a row of src gives a row of NaN.
// CPU reference: backend/cpu/index.go Backend.GatherRows.
// Bindings: 0 src, 1 index, 2 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) readonly buffer Index { float index[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
uniform int n;    // elements of dst
uniform int cols;
uniform int src_rows;

void main() {
	FOR_EACH(e, n) {
		uint i = e / uint(cols), j = e % uint(cols);
		int r = class_index(index[i], src_rows);
		dst[e] = r < 0 ? NAN : src[uint(r) * uint(cols) + j];
	}
}
