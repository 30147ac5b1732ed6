// svm_hinge_finish.comp: the last pass of the wide-row multiclass hinge loss
// (rows longer than svm_hinge.comp's loop), one invocation per element.
// With row i's loss L and count q of classes inside the margin from the sum
// tree (svm_hinge_partial.comp, then row_partial_sum.comp) and label c:
//	row_loss[i] = L                                         (by element (i, 0))
//	grad[i,j]   = inv_batch when j ≠ c and s_j − s_c + margin > 0, else 0
//	grad[i,c]   = −q · inv_batch                          (when with_grad is set)
// A label that is not a class index, or a NaN row sum (a score that is NaN
// or ±Inf, svm_hinge_partial.comp), gives NaN loss and gradient.
// CPU reference: backend/cpu/loss.go svmHingeRow.
// Bindings: 0 scores (m×n), 1 labels, 2 sums (m pairs), 3 row_loss, 4 grad
// (any buffer when with_grad is 0). Uniforms: m, n, margin, inv_batch, with_grad.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) readonly buffer Sums { float sums[]; };
layout(std430, binding = 3) writeonly buffer RowLoss { float row_loss[]; };
layout(std430, binding = 4) writeonly buffer Grad { float grad[]; };
uniform int m;
uniform int n;
uniform float margin;
uniform float inv_batch;
uniform int with_grad;

void main() {
	uint count = with_grad != 0 ? uint(m) * uint(n) : uint(m);
	FOR_EACH(e, count) {
		uint i = with_grad != 0 ? e / uint(n) : e;
		int j = with_grad != 0 ? int(e % uint(n)) : 0;
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		bool bad = c < 0 || is_nan_f(sums[2u * i]);
		if (j == 0) {
			row_loss[i] = bad ? NAN : sums[2u * i];
		}
		if (with_grad != 0) {
			float g;
			if (bad) {
				g = NAN;
			} else if (j == c) {
				g = -sums[2u * i + 1u] * inv_batch;
			} else {
				float d = scores[base + uint(j)] - scores[base + uint(c)] + margin;
				g = d > 0.0 ? inv_batch : 0.0;
			}
			grad[base + uint(j)] = g;
		}
	}
}
