// softmax_cross_entropy_weighted_finish.comp: divides the sums of
// softmax_cross_entropy_weighted.comp by W = Σ_i w_{y_i}:
//	loss[0] = total[0] / W[0];  grad[i] /= W[0]  (i < count; count is 0
//	without a gradient)
// CPU reference: backend/cpu/loss_weighted.go
// Backend.SoftmaxCrossEntropyWeighted.
// Bindings: 0 total, 1 wsum, 2 loss, 3 grad (any buffer when count is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Total { float total[]; };
layout(std430, binding = 1) readonly buffer WSum { float wsum[]; };
layout(std430, binding = 2) writeonly buffer Loss { float loss[]; };
layout(std430, binding = 3) buffer Grad { float grad[]; };
uniform int count;

void main() {
	float w = wsum[0];
	if (gl_GlobalInvocationID.x == 0u) {
		loss[0] = total[0] / w;
	}
	FOR_EACH(i, count) {
		grad[i] = grad[i] / w;
	}
}
