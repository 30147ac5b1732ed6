// leaky_relu_forward.comp: dst = f(x) elementwise, f(x) = x if x > 0, else alpha·x.
// CPU reference: backend/cpu/activation.go leakyReLUForward.
// Bindings: 0 x, 1 dst. Uniforms: n (elements), alpha (the activation's parameter).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		dst[i] = leaky_relu_forward_f(x[i], alpha);
	}
}
