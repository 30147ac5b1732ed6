// binary_forward.comp: dst = f(a, b) elementwise, f the binary op the
// program is compiled for (BINOP, a backend.BinaryOp): bin_f, from the
// binary table's GLSL (backend/gl/binary_glsl.go). a and b are broadcast
// over dst (m×n): an operand's element of dst's (i/n, i%n) is at
// (i/n)·a_rs + (i%n)·a_cs, a stride 0 along a broadcast dimension.
// CPU reference: backend/cpu/binary.go binaryForward.
// Bindings: 0 a, 1 b, 2 dst. Uniforms: count (elements), n (columns),
// a_rs, a_cs, b_rs, b_cs (the operands' strides).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
uniform int count, n, a_rs, a_cs, b_rs, b_cs;

void main() {
	FOR_EACH(i, count) {
		uint r = i / uint(n), c = i % uint(n);
		dst[i] = bin_f(a[r * uint(a_rs) + c * uint(a_cs)], b[r * uint(b_rs) + c * uint(b_cs)]);
	}
}
