// sub.comp: dst = a - b elementwise.
// CPU reference: backend/cpu/elementwise.go Backend.Sub.
// Bindings: 0 a, 1 b, 2 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
uniform int n;

void main() {
	FOR_EACH(i, n) {
		dst[i] = a[i] - b[i];
	}
}
