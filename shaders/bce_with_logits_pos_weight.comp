// bce_with_logits_pos_weight.comp: per logit x, target y and its column's
// pos_weight p, with lw = 1 + (p − 1)·y, PyTorch's weighted binary
// cross-entropy val = (1 − y)·x + lw·(max(−x, 0) + log1p(exp(−|x|)))
// (summed into the loss by sum.comp, scaled by 1/count) and, when
// with_grad is set, grad = ((p·y + 1 − y)·σ(x) − p·y)/count. A NaN input
// is kept NaN on the bits (GLSL's max may drop it); infinities follow IEEE
// arithmetic as in PyTorch. lw and the gradient are `precise`: otherwise
// Mesa's compiler distributes (p − 1)·y into p·y − y, which is ∞ − ∞ = NaN
// for an infinite y where PyTorch's lw is ±∞.
// CPU reference: backend/cpu/bce_posweight.go Backend.BCEWithLogitsPosWeight.
// Bindings: 0 logits, 1 target, 2 val, 3 grad (any buffer when with_grad
// is 0), 4 pos_weight (cols).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) writeonly buffer Val { float val[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
layout(std430, binding = 4) readonly buffer PosWeight { float pos_weight[]; };
uniform int n;
uniform float inv_count;
uniform int with_grad;
uniform int cols;

void main() {
	FOR_EACH(i, n) {
		float x = logits[i];
		float y = target[i];
		float p = pos_weight[i % uint(cols)];
		precise float lw = 1.0 + (p - 1.0) * y;
		precise float v = (1.0 - y) * x + lw * (max(-x, 0.0) + log1p_f(exp_f(-abs(x))));
		if (is_nan_f(x) || is_nan_f(y) || is_nan_f(p)) {
			v = NAN;
		}
		val[i] = v;
		if (with_grad != 0) {
			precise float py = p * y;
			precise float d = ((py + 1.0) - y) * sigmoid_f(x) - py;
			grad[i] = d * inv_count;
		}
	}
}
