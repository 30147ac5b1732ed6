// log_softmax_forward.comp: the log-softmax of each row, one invocation per
// element, from the row maxima mx (axis_reduce_partial.comp, mode 1) and
// the sums s = Σ_k exp(x[i,k] − mx[i]) (mode 2):
//	y[i,j] = x[i,j] − (mx[i] + log s[i])
// NaN in mx or s (a row holding NaN or +Inf, or only −Inf) gives NaN.
// CPU reference: backend/cpu/reduce_axis.go logSoftmaxForward.
// Bindings: 0 x (m×n), 1 mx (m), 2 s (m), 3 y (m×n). Uniforms: count (m·n), n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Mx { float mx[]; };
layout(std430, binding = 2) readonly buffer S { float s[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
uniform int count;
uniform int n;

void main() {
	FOR_EACH(e, count) {
		uint i = e / uint(n);
		float lse = mx[i] + log_f(s[i]);
		y[e] = is_nan_f(mx[i]) || is_nan_f(s[i]) ? NAN : x[e] - lse;
	}
}
