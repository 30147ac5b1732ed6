// activation_backward.comp: dx = dy ⊙ f'(x), the upstream gradient times the
// local gradient of the activation the program is compiled for (ACT):
// act_backward, which multiplies, or selects where the table says so (ReLU).
// CPU reference: backend/cpu/activation.go activationBackward.
// Bindings: 0 x, 1 dy, 2 dx. Uniforms: n (elements), act_p0 and act_p1.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, binding = 2) writeonly buffer Dx { float dx[]; };
uniform int n;

void main() {
	FOR_EACH(i, n) {
		dx[i] = act_backward(dy[i], x[i]);
	}
}
