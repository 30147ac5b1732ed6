// copy_rows.comp: dst[row+i,:] = src[i,:]: src copied into dst from element offset = row·cols on.
// CPU reference: backend/cpu/index.go Backend.CopyRows.
// Bindings: 0 src, 1 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;    // elements of src
uniform int offset;

void main() {
	FOR_EACH(i, n) {
		dst[uint(offset) + i] = src[i];
	}
}
