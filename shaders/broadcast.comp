// broadcast.comp: dst (rows×cols) from x of shape 1×1, 1×cols or rows×1: a 1-wide axis repeats.
// CPU reference: backend/cpu/elementwise.go Backend.Broadcast.
// Bindings: 0 x, 1 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;    // elements of dst
uniform int cols;
uniform int x_rows;
uniform int x_cols;

void main() {
	FOR_EACH(e, n) {
		uint i = e / uint(cols), j = e % uint(cols);
		dst[e] = x[(i % uint(x_rows)) * uint(x_cols) + j % uint(x_cols)];
	}
}
