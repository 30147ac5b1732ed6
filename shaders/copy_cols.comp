// copy_cols.comp: width columns of src (rows of src_n) from column src_col
// into dst (rows of dst_n) from column dst_col, one invocation per element:
//	dst[i, dst_col + j] = src[i, src_col + j],  0 ≤ j < width
// Reshape is the case of one row (width = dst_n = src_n, the whole tensor).
// CPU reference: backend/cpu/shapeops.go copyCols.
// Bindings: 0 src, 1 dst. Uniforms: count (m·width), width, src_n, src_col,
// dst_n, dst_col.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int count;
uniform int width;
uniform int src_n;
uniform int src_col;
uniform int dst_n;
uniform int dst_col;

void main() {
	FOR_EACH(e, count) {
		uint i = e / uint(width), j = e % uint(width);
		dst[i * uint(dst_n) + uint(dst_col) + j] = src[i * uint(src_n) + uint(src_col) + j];
	}
}
