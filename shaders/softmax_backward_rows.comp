// softmax_backward_rows.comp: the row sums of softmax_backward.comp for rows
// of up to narrowCols (backend/gl/rowreduce.go), one invocation per row;
// longer rows take softmax_backward_partial.comp and row_partial_sum.comp,
// which leave the same pairs. Row i gives
//	sums[i] = (s, 0),  s = Σ_k dy[i,k]·y[i,k]
// summed in runs of 64 terms whose sums are then added (no addition chain
// longer than 64 + n/64). NaN and ±Inf take their IEEE course.
// CPU reference: backend/cpu/softmax.go softmaxBackward (its sum).
// Bindings: 0 y (m×n), 1 dy (m×n), 2 sums (2·m). Uniforms: m, n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer Sums { float sums[]; };
uniform int m;
uniform int n;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		float s = 0.0, run = 0.0;
		for (int j = 0; j < n; j++) {
			uint e = base + uint(j);
			run += dy[e] * y[e];
			if ((j & 63) == 63) {
				s += run;
				run = 0.0;
			}
		}
		sums[2u * i] = s + run;
		sums[2u * i + 1u] = 0.0;
	}
}
