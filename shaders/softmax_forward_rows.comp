// softmax_forward_rows.comp: the row statistics of softmax_forward.comp for
// rows of up to narrowCols (backend/gl/rowreduce.go), one invocation per
// row; longer rows take the trees of row_argmax_partial.comp and
// softmax_cross_entropy_partial.comp, which leave the same records. Row i
// gives
//	best[i] = (x_a, a | 0x80000000 when the row holds NaN)   (two floats, the second as bits)
//	sums[i] = (u, 0),  u = Σ_{j≠a} exp(x_j − x_a)
// with a the row's first maximum, NaN skipped (Argmax's). u is summed in
// runs of 64 terms whose sums are then added, so that no addition chain is
// longer than 64 + n/64 (127 at narrowCols), where a plain loop's would be
// n. A row with NaN, or whose maximum is ±Inf, gets u = 0: the final pass
// makes it NaN without reading u. The NaN test is on the bits: compilers
// may assume no NaN in comparisons.
// CPU reference: backend/cpu/softmax.go softmaxForward (its max and sum).
// Bindings: 0 x (m×n), 1 best (2·m), 2 sums (2·m). Uniforms: m, n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Best { float best[]; };
layout(std430, binding = 2) writeonly buffer Sums { float sums[]; };
uniform int m;
uniform int n;

const uint NAN_SEEN = 0x80000000u;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		float mx = NAN;
		uint a = 0u, flag = 0u;
		bool found = false;
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			if (is_nan_f(v)) {
				flag = NAN_SEEN;
			} else if (!found || v > mx) {
				mx = v;
				a = uint(j);
				found = true;
			}
		}
		float u = 0.0;
		if (flag == 0u && is_finite_f(mx)) {
			float run = 0.0;
			for (int j = 0; j < n; j++) {
				if (uint(j) != a) {
					run += exp_f(x[base + uint(j)] - mx);
				}
				if ((j & 63) == 63) {
					u += run;
					run = 0.0;
				}
			}
			u += run;
		}
		best[2u * i] = mx;
		best[2u * i + 1u] = uintBitsToFloat(a | flag);
		sums[2u * i] = u;
		sums[2u * i + 1u] = 0.0;
	}
}
