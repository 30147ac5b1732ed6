// softmax_cross_entropy_finish.comp: the last pass of the wide-row softmax
// cross-entropy (rows longer than softmax_cross_entropy.comp's loop), one
// invocation per element. With row i's first maximum x_a and NaN flag from
// the argmax tree (row_argmax_partial.comp), u = Σ_{j≠a} exp(x_j − x_a)
// from the sum tree (softmax_cross_entropy_partial.comp, then
// row_partial_sum.comp) and label c, it does what softmax_cross_entropy.comp
// does after its scans, line for line:
//	row_out[i]     = (x_a − x_c) + log1p(u)                 (by element (i, 0))
//	row_out[m + i] = [a = c]                                (when with_hit is set)
//	grad[i,j]      = (softmax(x)_j − [j = c]) · inv_batch   (when with_grad is set)
// with softmax_j = exp(x_j − x_a)/(1 + u) and softmax_a − 1 = −u/(1 + u). A
// label that is not a class index, or a NaN logit, gives NaN loss and
// gradient; a is Argmax's answer, so the hit is CountCorrect's.
// CPU reference: backend/cpu/loss.go softmaxCrossEntropyRow (and
// backend/cpu/loss_count.go Backend.SoftmaxCrossEntropyCount for the hit).
// Bindings: 0 logits (m×n), 1 labels, 2 best (m records), 3 sums (m pairs),
// 4 row_out (m, or 2·m with with_hit), 5 grad (any buffer when with_grad is 0).
// Uniforms: m, n, inv_batch, with_grad, with_hit.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) readonly buffer Best { float best[]; };
layout(std430, binding = 3) readonly buffer Sums { float sums[]; };
layout(std430, binding = 4) writeonly buffer RowOut { float row_out[]; };
layout(std430, binding = 5) writeonly buffer Grad { float grad[]; };
uniform int m;
uniform int n;
uniform float inv_batch;
uniform int with_grad;
uniform int with_hit;

void main() {
	uint count = with_grad != 0 ? uint(m) * uint(n) : uint(m);
	FOR_EACH(e, count) {
		uint i = with_grad != 0 ? e / uint(n) : e;
		int j = with_grad != 0 ? int(e % uint(n)) : 0;
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		float mx = best[2u * i];
		uint bits = floatBitsToUint(best[2u * i + 1u]);
		int a = int(bits & 0x7fffffffu);
		bool bad = c < 0 || (bits & 0x80000000u) != 0u;
		float u = sums[2u * i];
		float s = 1.0 + u;
		if (j == 0) {
			if (bad) {
				row_out[i] = NAN;
			} else {
				row_out[i] = (mx - x[base + uint(c)]) + log1p_f(u);
			}
			if (with_hit != 0) {
				row_out[uint(m) + i] = a == c ? 1.0 : 0.0;
			}
		}
		if (with_grad != 0) {
			float g = NAN;
			if (!bad) {
				if (j == a) {
					g = j == c ? -u / s : 1.0 / s;
				} else {
					float p = exp_f(x[base + uint(j)] - mx) / s;
					g = j == c ? p - 1.0 : p;
				}
				g *= inv_batch;
			}
			grad[base + uint(j)] = g;
		}
	}
}
