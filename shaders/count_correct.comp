// count_correct.comp: hit[i] = 1 when row i's argmax (as argmax.comp) equals
// labels[i], else 0; sum.comp then counts the hits.
// CPU reference: backend/cpu/reduce.go Backend.CountCorrect.
// Bindings: 0 scores, 1 labels, 2 hit. Uniforms: m, n (scores is m×n).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer Hit { float hit[]; };
uniform int m;
uniform int n;

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		int best = 0;
		float best_v = NAN;
		for (int j = 0; j < n; j++) {
			float v = scores[base + uint(j)];
			if (v > best_v || (isnan(best_v) && !isnan(v))) {
				best = j;
				best_v = v;
			}
		}
		hit[i] = float(best) == labels[i] ? 1.0 : 0.0;
	}
}
