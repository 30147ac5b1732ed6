// binary_backward.comp: da = dy·∂f/∂a and db = dy·∂f/∂b elementwise, f the
// binary op the program is compiled for (BINOP): bin_da and bin_db from the
// binary table's GLSL (backend/gl/binary_glsl.go). a and b are broadcast
// over dy (m×n) as in binary_forward.comp; da and db are m×n, not reduced.
// Every input is read before an output is written, so da or db may be dy.
// CPU reference: backend/cpu/binary.go binaryBackward.
// Bindings: 0 a, 1 b, 2 dy, 3 da, 4 db. Uniforms: count, n, the strides
// a_rs, a_cs, b_rs, b_cs, and want_a, want_b (0 when da or db is not
// wanted; its binding is then another buffer, never written).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer Dy { float dy[]; };
layout(std430, binding = 3) writeonly buffer Da { float da[]; };
layout(std430, binding = 4) writeonly buffer Db { float db[]; };
uniform int count, n, a_rs, a_cs, b_rs, b_cs, want_a, want_b;

void main() {
	FOR_EACH(i, count) {
		uint r = i / uint(n), c = i % uint(n);
		float x = a[r * uint(a_rs) + c * uint(a_cs)], y = b[r * uint(b_rs) + c * uint(b_cs)], g = dy[i];
		if (want_a != 0) da[i] = bin_da(x, y, g);
		if (want_b != 0) db[i] = bin_db(x, y, g);
	}
}
