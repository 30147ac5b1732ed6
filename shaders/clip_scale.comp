// clip_scale.comp: x = coef·x with PyTorch's clip_grad_norm_ coefficient
//	coef = min(1, max_norm / (√sum_sq[0] + 1e-6))     (NaN stays NaN)
// CPU reference: backend/cpu/clip.go Backend.ClipScale (clipCoef).
// Bindings: 0 x (in place), 1 sum_sq (1 element). Uniforms: n, max_norm.
// The clamp tests the bits for NaN: min(NaN, 1) may be 1 under GLSL's
// rules, and PyTorch's clamp keeps the NaN.
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer SumSq { float sum_sq[]; };
uniform int n;
uniform float max_norm;

void main() {
	float c = max_norm / (sqrt(sum_sq[0]) + 1e-6);
	if (!is_nan_f(c) && c > 1.0) {
		c = 1.0;
	}
	FOR_EACH(i, n) {
		x[i] = c * x[i];
	}
}
