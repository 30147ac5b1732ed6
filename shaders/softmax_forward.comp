// softmax_forward.comp: the softmax of each row, one invocation per
// element, from the row statistics of softmax_forward_rows.comp (rows of up
// to narrowCols) or of the wide-row trees (row_argmax_partial.comp, then
// softmax_cross_entropy_partial.comp and row_partial_sum.comp): with row
// i's first maximum x_a and u = Σ_{j≠a} exp(x_j − x_a),
//	y[i,j] = exp(x_j − x_a) / (1 + u)
// (exp_f(0) is exactly 1, so y_a = 1/(1 + u)). A row holding NaN, or whose
// maximum is ±Inf (a +Inf in it, or −Inf throughout), is NaN throughout,
// as torch.softmax gives it; exp_f of −Inf is 0.
// CPU reference: backend/cpu/softmax.go softmaxForward.
// Bindings: 0 x (m×n), 1 best (m records), 2 sums (m pairs), 3 y (m×n).
// Uniforms: count (m·n), n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Best { float best[]; };
layout(std430, binding = 2) readonly buffer Sums { float sums[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
uniform int count;
uniform int n;

void main() {
	FOR_EACH(e, count) {
		uint i = e / uint(n);
		float mx = best[2u * i];
		bool bad = (floatBitsToUint(best[2u * i + 1u]) & 0x80000000u) != 0u || !is_finite_f(mx);
		y[e] = bad ? NAN : exp_f(x[e] - mx) / (1.0 + sums[2u * i]);
	}
}
