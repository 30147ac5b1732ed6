// softmax_cross_entropy.comp: per row i of logits x with label c,
//	row_loss[i] = log Σ_j exp(x_j) − x_c
//	grad[i,j]   = (softmax(x)_j − [j = c]) · inv_batch   (when with_grad is set)
// computed around the row's first maximum x_a: with u = Σ_{j≠a} exp(x_j − x_a),
// the loss is (x_a − x_c) + log1p(u), softmax_j = exp(x_j − x_a)/(1 + u), and
// softmax_a − 1 = −u/(1 + u), so no step cancels. sum.comp then averages the
// row losses. A label that is not a class index, or a NaN logit, gives NaN
// loss and gradient, as in the CPU reference. The NaN test is explicit:
// compilers may assume no NaN in comparisons and in exp_f, and then softmax
// the rest of the row (llvmpipe did).
// CPU reference: backend/cpu/loss.go softmaxCrossEntropyRow.
// Bindings: 0 logits, 1 labels, 2 row_loss, 3 grad (any buffer when with_grad is 0).
// Uniforms: m, n (logits is m×n), inv_batch, with_grad.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer RowLoss { float row_loss[]; };
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
		float mx = x[base];
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			has_nan = has_nan || isnan(v);
			if (v > mx) {
				mx = v;
				a = j;
			}
		}
		if (c < 0 || has_nan) {
			row_loss[i] = NAN;
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
		row_loss[i] = (mx - x[base + uint(c)]) + log1p_f(u);
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
