// causal_softmax_forward.comp: the causal softmax of the scores s
// ((rows)×T), LANES invocations per row, WG/LANES rows per work group (the
// dispatch stepping on over the rows beyond its size). Row r is query
// position t = r mod T:
//	μ = max_{k≤t} s_k;  p_j = exp(s_j − μ) / Σ_{k≤t} exp(s_k − μ)  (j ≤ t);  p_j = 0  (j > t)
// with NaN in every seen column when a seen score is NaN or μ is ±Inf.
// Lane i of a row takes its columns i, i + LANES, … at most PER_THREAD of
// them (T ≤ backend.MaxAttentionContext = LANES·PER_THREAD), then the
// row's lanes combine their maxima and sums as binary trees in shared
// memory: the order is fixed by T, so the bits are too. A row of several
// lanes, and several rows a group, keep a short row's group busy and its
// barriers few. Each invocation reads and writes only its own columns
// after the trees, so p may be s.
// CPU reference: backend/cpu/attention.go causalSoftmaxForward.
// Bindings: 0 s, 1 p. Uniforms: rows, t_len.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer S { float s[]; };
layout(std430, binding = 1) writeonly buffer P { float p[]; };
uniform int rows;
uniform int t_len;

#define LANES 32
#define ROWS (WG / LANES)
#define PER_THREAD 128 // backend.MaxAttentionContext / LANES

shared float part[WG];
shared uint flags[WG];

void main() {
	uint lid = gl_LocalInvocationID.x, lane = lid % uint(LANES), first = lid - lane;
	// The loop is uniform across the work group, so every invocation
	// reaches the barriers; those past the last row compute nothing.
	for (uint r0 = gl_WorkGroupID.x * uint(ROWS); r0 < uint(rows); r0 += gl_NumWorkGroups.x * uint(ROWS)) {
		uint r = r0 + lid / uint(LANES);
		bool live = r < uint(rows);
		uint base = r * uint(t_len), seen = live ? r % uint(t_len) + 1u : 0u;
		float mx = -INF;
		uint bad = 0u;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lane + q * uint(LANES);
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
		for (uint h = uint(LANES) / 2u; h > 0u; h >>= 1) {
			if (lane < h) {
				part[lid] = max(part[lid], part[lid + h]);
				flags[lid] |= flags[lid + h];
			}
			SYNC();
		}
		mx = part[first];
		bad = flags[first] | (is_finite_f(mx) ? 0u : 1u);
		SYNC(); // part is reused by the sum
		float sum = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD) && bad == 0u; q++) {
			uint j = lane + q * uint(LANES);
			if (j >= seen) break;
			sum += exp_f(s[base + j] - mx);
		}
		part[lid] = sum;
		SYNC();
		for (uint h = uint(LANES) / 2u; h > 0u; h >>= 1) {
			if (lane < h) part[lid] += part[lid + h];
			SYNC();
		}
		sum = part[first];
		SYNC(); // part is reused by the next rows
		for (uint q = 0u; q < uint(PER_THREAD) && live; q++) {
			uint j = lane + q * uint(LANES);
			if (j >= uint(t_len)) break;
			float v = 0.0;
			if (j < seen) {
				v = bad != 0u ? NAN : exp_f(s[base + j] - mx) / sum;
			}
			p[base + j] = v;
		}
	}
}
