// axpy.comp: y = alpha·x + y.
// CPU reference: backend/cpu/elementwise.go Backend.Axpy.
// Bindings: 0 x, 1 y (read and written).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		y[i] += alpha * x[i];
	}
}
