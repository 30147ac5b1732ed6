// softmax_backward.comp: the gradient of the row-wise softmax, one
// invocation per element, from the row sums s = Σ_k dy[i,k]·y[i,k] of
// softmax_backward_rows.comp (rows of up to narrowCols) or of
// softmax_backward_partial.comp and row_partial_sum.comp (longer rows):
//	dx[i,j] = y[i,j]·(dy[i,j] − s_i)
// NaN and ±Inf take their IEEE course (0·Inf is NaN), as in PyTorch.
// CPU reference: backend/cpu/softmax.go softmaxBackward.
// Bindings: 0 y (m×n), 1 dy (m×n), 2 sums (m pairs), 3 dx (m×n).
// Uniforms: count (m·n), n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer Sums { float sums[]; };
layout(std430, binding = 3) writeonly buffer DX { float dx[]; };
uniform int count;
uniform int n;

void main() {
	FOR_EACH(e, count) {
		dx[e] = y[e] * (dy[e] - sums[2u * (e / uint(n))]);
	}
}
