// huber_loss.comp: per element, d = pred − target: val = d²/2 when
// |d| ≤ delta, else delta·(|d| − delta/2) (summed into the loss by sum.comp,
// scaled by 1/count) and, when with_grad is set, grad = clamp(d, −delta,
// delta)/count; a NaN d gives NaN for both (tested on the bits, since GLSL
// may assume no NaN in comparisons and clamp).
// CPU reference: backend/cpu/loss2.go Backend.HuberLoss.
// Bindings: 0 pred, 1 target, 2 val, 3 grad (any buffer when with_grad is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Pred { float pred[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) writeonly buffer Val { float val[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int n;
uniform float inv_count;
uniform int with_grad;
uniform float delta;

void main() {
	FOR_EACH(i, n) {
		float d = pred[i] - target[i];
		float a = abs(d);
		bool bad = is_nan_f(d);
		val[i] = bad ? d : (a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta));
		if (with_grad != 0) {
			grad[i] = bad ? d : clamp(d, -delta, delta) * inv_count;
		}
	}
}
