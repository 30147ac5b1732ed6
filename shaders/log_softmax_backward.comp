// log_softmax_backward.comp: the gradient of the row-wise log-softmax, one
// invocation per element, from the row sums s = Σ_k dy[i,k]
// (axis_reduce_partial.comp, mode 0):
//	dx[i,j] = dy[i,j] − exp(y[i,j])·s[i]
// CPU reference: backend/cpu/reduce_axis.go logSoftmaxBackward.
// Bindings: 0 y (m×n), 1 dy (m×n), 2 s (m), 3 dx (m×n). Uniforms: count (m·n), n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer Dy { float dy[]; };
layout(std430, binding = 2) readonly buffer S { float s[]; };
layout(std430, binding = 3) writeonly buffer Dx { float dx[]; };
uniform int count;
uniform int n;

void main() {
	FOR_EACH(e, count) {
		uint i = e / uint(n);
		float p = is_nan_f(y[e]) ? NAN : exp_f(y[e]);
		dx[e] = dy[e] - p * s[i];
	}
}
