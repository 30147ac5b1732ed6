// activation_forward.comp: dst = f(x) elementwise, f the activation the
// program is compiled for (ACT, a backend.ActivationKind): act_forward, from
// the activation table's GLSL (backend/gl/activation_glsl.go).
// CPU reference: backend/cpu/activation.go activationForward.
// Bindings: 0 x, 1 dst. Uniforms: n (elements), act_p0 and act_p1 (the
// activation's parameters).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;

void main() {
	FOR_EACH(i, n) {
		dst[i] = act_forward(x[i]);
	}
}
