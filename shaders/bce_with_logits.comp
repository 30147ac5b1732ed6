// bce_with_logits.comp: per logit x and target y, PyTorch's stable binary
// cross-entropy val = (1 − y)·x + max(−x, 0) + log1p(exp(−|x|)) (summed into
// the loss by sum.comp, scaled by 1/count) and, when with_grad is set,
// grad = (σ(x) − y)/count. A NaN input is kept NaN on the bits (GLSL's max
// may drop it); an infinite x gives ∞ − ∞ or 0·∞, NaN, or +Inf, by IEEE
// arithmetic as in PyTorch.
// CPU reference: backend/cpu/loss2.go Backend.BCEWithLogits.
// Bindings: 0 logits, 1 target, 2 val, 3 grad (any buffer when with_grad is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) writeonly buffer Val { float val[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int n;
uniform float inv_count;
uniform int with_grad;

void main() {
	FOR_EACH(i, n) {
		float x = logits[i];
		float y = target[i];
		float v = (1.0 - y) * x + max(-x, 0.0) + log1p_f(exp_f(-abs(x)));
		if (is_nan_f(x) || is_nan_f(y)) {
			v = NAN;
		}
		val[i] = v;
		if (with_grad != 0) {
			grad[i] = (sigmoid_f(x) - y) * inv_count;
		}
	}
}
