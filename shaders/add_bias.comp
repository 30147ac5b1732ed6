// add_bias.comp: dst[i,j] = x[i,j] + bias[j], the bias broadcast over the rows.
// CPU reference: backend/cpu/elementwise.go addBias.
// Bindings: 0 x, 1 bias, 2 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
uniform int n;    // elements of x
uniform int cols;

void main() {
	FOR_EACH(i, n) {
		dst[i] = x[i] + bias[i % uint(cols)];
	}
}
