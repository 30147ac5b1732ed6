// mean_squared_error.comp: per element, d = pred − target: sq = d² (summed
// into the loss by sum.comp, scaled by 1/count) and, when with_grad is set, grad = 2·d/count.
// CPU reference: backend/cpu/loss.go Backend.MeanSquaredError.
// Bindings: 0 pred, 1 target, 2 sq, 3 grad (any buffer when with_grad is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Pred { float pred[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) writeonly buffer Sq { float sq[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int n;
uniform float inv_count;
uniform int with_grad;

void main() {
	FOR_EACH(i, n) {
		float d = pred[i] - target[i];
		sq[i] = d * d;
		if (with_grad != 0) {
			grad[i] = 2.0 * d * inv_count;
		}
	}
}
