// fill.comp: dst = value everywhere.
// CPU reference: backend/cpu/elementwise.go Backend.Fill.
// Bindings: 0 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
uniform int n;
uniform float value;

void main() {
	FOR_EACH(i, n) {
		dst[i] = value;
	}
}
