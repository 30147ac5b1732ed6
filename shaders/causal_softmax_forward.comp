// causal_softmax_forward.comp: the causal softmax of the scores s
// ((rows)×T), one work group per row (the dispatch stepping on over the
// rows beyond its size). Row r is query position t = r mod T:
//	μ = max_{k≤t} s_k;  p_j = exp(s_j − μ) / Σ_{k≤t} exp(s_k − μ)  (j ≤ t);  p_j = 0  (j > t)
// with NaN in every seen column when a seen score is NaN or μ is ±Inf.
// Invocation i takes columns i, i + WG, … of the row, at most PER_THREAD of
// them (T ≤ backend.MaxAttentionContext = WG·PER_THREAD), then the group
// combines its WG maxima and sums as binary trees in shared memory: the
// order is fixed by T, so the bits are too. Each invocation reads and
// writes only its own columns after the trees, so p may be s.
// CPU reference: backend/cpu/attention.go causalSoftmaxForward.
// Bindings: 0 s, 1 p. Uniforms: rows, t_len.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer S { float s[]; };
layout(std430, binding = 1) writeonly buffer P { float p[]; };
uniform int rows;
uniform int t_len;

#define PER_THREAD 16 // backend.MaxAttentionContext / WG

shared float part[WG];
shared uint flags[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint r = gl_WorkGroupID.x; r < uint(rows); r += gl_NumWorkGroups.x) {
		uint base = r * uint(t_len), seen = r % uint(t_len) + 1u;
		float mx = -INF;
		uint bad = 0u;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= seen) break;
			float v = s[base + j];
			if (is_nan_f(v)) {
				bad = 1u;
			} else {
				mx = max(mx, v);
			}
		}
		part[lid] = mx;
		flags[lid] = bad;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part[lid] = max(part[lid], part[lid + h]);
				flags[lid] |= flags[lid + h];
			}
			SYNC();
		}
		mx = part[0];
		bad = flags[0];
		SYNC(); // part is reused by the sum
		bad |= is_finite_f(mx) ? 0u : 1u;
		float sum = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD) && bad == 0u; q++) {
			uint j = lid + q * uint(WG);
			if (j >= seen) break;
			sum += exp_f(s[base + j] - mx);
		}
		part[lid] = sum;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) part[lid] += part[lid + h];
			SYNC();
		}
		sum = part[0];
		SYNC(); // part is reused by the next row
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(t_len)) break;
			float v = 0.0;
			if (j < seen) {
				v = bad != 0u ? NAN : exp_f(s[base + j] - mx) / sum;
			}
			p[base + j] = v;
		}
	}
}
