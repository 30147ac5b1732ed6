// scale.comp: dst = alpha·x.
// CPU reference: backend/cpu/elementwise.go Backend.Scale.
// Bindings: 0 x, 1 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		dst[i] = alpha * x[i];
	}
}
