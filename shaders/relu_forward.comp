// relu_forward.comp: dst = f(x) elementwise, f(x) = max(0, x) as PyTorch
// has it: x < 0 ? +0 : x, NaN and −0 passing.
// CPU reference: backend/cpu/activation.go relu32.
// Bindings: 0 x, 1 dst. Uniforms: n (elements), alpha (the activation's parameter).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		dst[i] = relu_forward_f(x[i]);
	}
}
