// softmax_cross_entropy_count.comp: softmax_cross_entropy.comp and
// count_correct.comp in one pass over each row i of logits x with label c,
//	row_out[i]     = log Σ_j exp(x_j) − x_c
//	row_out[m + i] = [argmax_j x_j = c]                  (1 or 0)
//	grad[i,j]      = (softmax(x)_j − [j = c]) · inv_batch (when with_grad is set)
// The scan for the row's maximum skips NaN, so that a is Argmax's answer
// (the first maximum, 0 for a row of NaN) and the hit count_correct.comp's;
// on a row without NaN it is softmax_cross_entropy.comp's first maximum, and
// the arithmetic after it is that kernel's, line for line, so loss and
// gradient are its bits. A label that is not a class index, or a NaN logit,
// gives NaN loss and gradient; such a label is no hit, as no argmax equals
// it. sum_pair.comp then reduces both halves of row_out in one dispatch.
// CPU reference: backend/cpu/loss_count.go Backend.SoftmaxCrossEntropyCount.
// Bindings: 0 logits, 1 labels, 2 row_out (2·m), 3 grad (any buffer when
// with_grad is 0). Uniforms: m, n (logits is m×n), inv_batch, with_grad.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer RowOut { float row_out[]; };
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };
uniform int m;
uniform int n;
uniform float inv_batch;
uniform int with_grad;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		bool has_nan = false;
		int a = 0;
		float mx = NAN;
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			if (isnan(v)) {
				has_nan = true;
			} else if (isnan(mx) || v > mx) {
				mx = v;
				a = j;
			}
		}
		row_out[uint(m) + i] = a == c ? 1.0 : 0.0;
		if (c < 0 || has_nan) {
			row_out[i] = NAN;
			if (with_grad != 0) {
				for (int j = 0; j < n; j++) {
					grad[base + uint(j)] = NAN;
				}
			}
			continue;
		}
		float u = 0.0;
		for (int j = 0; j < n; j++) {
			if (j != a) {
				u += exp_f(x[base + uint(j)] - mx);
			}
		}
		float s = 1.0 + u;
		row_out[i] = (mx - x[base + uint(c)]) + log1p_f(u);
		if (with_grad != 0) {
			for (int j = 0; j < n; j++) {
				float g;
				if (j == a) {
					g = j == c ? -u / s : 1.0 / s;
				} else {
					float p = exp_f(x[base + uint(j)] - mx) / s;
					g = j == c ? p - 1.0 : p;
				}
				grad[base + uint(j)] = g * inv_batch;
			}
		}
	}
}
