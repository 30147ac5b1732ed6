// batchnorm_finish.comp: the second level of a batch normalisation's
// per-channel sums, one work group per channel (the dispatch stepping on
// beyond its size): the k_blocks partials (a, b, q) of channel c that
// batchnorm_partial.comp wrote combine into
//	mode 0 (forward):  stats (μ, σ², r) at c, C + c and 2C + c, from the
//	                   blocks' (count, mean, Σ (x − mean)²) by Chan et al.'s
//	                   pairwise update: n = n_a + n_b, d = m_b − m_a,
//	                   m = m_a + d·n_b/n, q = q_a + q_b + d²·n_a·n_b/n;
//	                   σ² = q/count, r = 1/√(σ² + eps)
//	mode 1 (backward): db[c] = Σ a, dw[c] = Σ b
// Invocation t combines partials t, t + WG, … in order (PER_THREAD at
// most: k_blocks ≤ WG·PER_THREAD), then the group combines its WG results
// as a binary tree: deterministic.
// CPU reference: backend/cpu/batchnorm.go batchNormStats and
// batchNormBackward's sums.
// Bindings: 0 part (3·C·k_blocks), 1 stats (3·C, mode 0), 2 dw (C), 3 db
// (C). Uniforms: channels, k_blocks, mode, eps.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Part { float part[]; };
layout(std430, binding = 1) writeonly buffer Stats { float stats[]; };
layout(std430, binding = 2) writeonly buffer DW { float dw[]; };
layout(std430, binding = 3) writeonly buffer DB { float db[]; };
uniform int channels;
uniform int k_blocks;
uniform int mode;
uniform float eps;

#define PER_THREAD 16

shared float part_n[WG];
shared float part_m[WG];
shared float part_q[WG];

// combine folds (nb, mb, qb) into (na, ma, qa): Chan's update in mode 0,
// sums of the first two in mode 1.
void combine(inout float na, inout float ma, inout float qa, float nb, float mb, float qb) {
	if (mode != 0) {
		na += nb;
		ma += mb;
		return;
	}
	if (nb == 0.0) return;
	if (na == 0.0) {
		na = nb;
		ma = mb;
		qa = qb;
		return;
	}
	float n = na + nb;
	float d = mb - ma;
	ma += d * (nb / n);
	qa += qb + d * d * (na * nb / n);
	na = n;
}

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint c = gl_WorkGroupID.x; c < uint(channels); c += gl_NumWorkGroups.x) {
		float n = 0.0, m = 0.0, q = 0.0;
		for (uint p = 0u; p < uint(PER_THREAD); p++) {
			uint g = lid + p * uint(WG);
			if (g >= uint(k_blocks)) break;
			uint w = 3u * (c * uint(k_blocks) + g);
			combine(n, m, q, part[w], part[w + 1u], part[w + 2u]);
		}
		part_n[lid] = n;
		part_m[lid] = m;
		part_q[lid] = q;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				float a = part_n[lid], b = part_m[lid], e = part_q[lid];
				combine(a, b, e, part_n[lid + h], part_m[lid + h], part_q[lid + h]);
				part_n[lid] = a;
				part_m[lid] = b;
				part_q[lid] = e;
			}
			SYNC();
		}
		if (lid == 0u) {
			if (mode == 0) {
				float v = part_q[0] / part_n[0];
				stats[c] = part_m[0];
				stats[uint(channels) + c] = v;
				stats[2u * uint(channels) + c] = 1.0 / sqrt(v + eps);
			} else {
				db[c] = part_n[0];
				dw[c] = part_m[0];
			}
		}
		SYNC(); // the parts are reused by the next channel
	}
}
