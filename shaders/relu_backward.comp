// relu_backward.comp: dx = dy ⊙ f'(x), the upstream gradient times the local
// gradient of f(x) = max(0, x).
// CPU reference: backend/cpu/activation.go reluBackward.
// Bindings: 0 x, 1 dy, 2 dx. Uniforms: n (elements), alpha (the activation's parameter).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, binding = 2) writeonly buffer Dx { float dx[]; };
uniform int n;
uniform float alpha;

void main() {
	FOR_EACH(i, n) {
		dx[i] = dy[i] * relu_grad(x[i]);
	}
}
