// argmax.comp: dst[i] = the column of row i's largest element; ties go to
// the lowest index, NaN is skipped, a row of NaN gives 0.
// CPU reference: backend/cpu/reduce.go argmax.
// Bindings: 0 x, 1 dst. Uniforms: m, n (x is m×n).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int m;
uniform int n;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		int best = 0;
		float best_v = NAN;
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			if (v > best_v || (isnan(best_v) && !isnan(v))) {
				best = j;
				best_v = v;
			}
		}
		dst[i] = float(best);
	}
}
