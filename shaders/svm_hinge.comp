// svm_hinge.comp: per row i of scores s with label c,
//	row_loss[i] = Σ_{j≠c} max(0, s_j − s_c + margin)
//	grad[i,j]   = inv_batch for each j ≠ c inside the margin,
//	grad[i,c]   = −(their count)·inv_batch                (when with_grad is set)
// sum.comp then averages the row losses. A label that is not a class index,
// or a score that is NaN or ±Inf, gives NaN loss and gradient (max(0, ·)
// would hide a diverged row as 0). The test is on the bits (is_finite_f).
// CPU reference: backend/cpu/loss.go svmHingeRow.
// Bindings: 0 scores, 1 labels, 2 row_loss, 3 grad (any buffer when with_grad is 0).
// Uniforms: m, n (scores is m×n), margin, inv_batch, with_grad.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer RowLoss { float row_loss[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int m;
uniform int n;
uniform float margin;
uniform float inv_batch;
uniform int with_grad;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		bool finite = true;
		for (int j = 0; j < n; j++) {
			finite = finite && is_finite_f(scores[base + uint(j)]);
		}
		if (c < 0 || !finite) {
			row_loss[i] = NAN;
			if (with_grad != 0) {
				for (int j = 0; j < n; j++) {
					grad[base + uint(j)] = NAN;
				}
			}
			continue;
		}
		float sc = scores[base + uint(c)];
		float loss = 0.0;
		int inside = 0; // classes inside the margin ("active" is reserved in GLSL)
		for (int j = 0; j < n; j++) {
			float g = 0.0;
			if (j != c) {
				float d = scores[base + uint(j)] - sc + margin;
				if (d > 0.0) {
					loss += d;
					inside++;
					g = inv_batch;
				}
			}
			if (with_grad != 0) {
				grad[base + uint(j)] = g;
			}
		}
		if (with_grad != 0) {
			grad[base + uint(c)] = -float(inside) * inv_batch;
		}
		row_loss[i] = loss;
	}
}
