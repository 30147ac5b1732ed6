// relu_backward.comp: dx = dy where x > 0 or x is NaN, +0 elsewhere: the
// upstream gradient through f(x) = max(0, x), selected as PyTorch does
// rather than multiplied by f'(x), so that a non-finite dy stops at x ≤ 0.
// CPU reference: backend/cpu/activation.go reluBackward32.
// Bindings: 0 x, 1 dy, 2 dx. Uniforms: n (elements), alpha (the activation's parameter).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, binding = 2) writeonly buffer Dx { float dx[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		dx[i] = relu_backward_f(dy[i], x[i]);
	}
}
