// l1_loss.comp: per element, d = pred − target: val = |d| (summed into the
// loss by sum.comp, scaled by 1/count) and, when with_grad is set,
// grad = sign(d)/count with sign(0) = sign(NaN) = 0 (torch.sign's).
// CPU reference: backend/cpu/loss2.go Backend.L1Loss.
// Bindings: 0 pred, 1 target, 2 val, 3 grad (any buffer when with_grad is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Pred { float pred[]; };
layout(std430, binding = 1) readonly buffer Target { float target[]; };
layout(std430, binding = 2) writeonly buffer Val { float val[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int n;
uniform float inv_count;
uniform int with_grad;

void main() {
	FOR_EACH(i, n) {
		float d = pred[i] - target[i];
		val[i] = abs(d);
		if (with_grad != 0) {
			// sign() of a NaN is not defined in GLSL: test the bits.
			grad[i] = is_nan_f(d) ? 0.0 : sign(d) * inv_count;
		}
	}
}
