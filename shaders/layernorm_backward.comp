// layernorm_backward.comp: the input gradient of LayerNorm, one work group
// per row of dy (m×n), as layernorm_forward.comp takes them: with
// x̂_j = (x_j − μ)·r and g_j = dy_j·w_j,
//	dx_j = r·(g_j − Σ_k g_k/n − x̂_j·Σ_k g_k·x̂_k/n)
// and p_j = dy_j·x̂_j into p (m×n), whose column sums (col_sum.comp) are
// dw. Each invocation takes at most PER_THREAD elements of the row; the
// two sums are binary trees in shared memory, fixed by n.
// CPU reference: backend/cpu/layernorm.go layerNormBackward (and
// layerNormParams for p's column sums).
// Bindings: 0 dy, 1 x, 2 w (n), 3 stats (2·m), 4 dx, 5 p. Uniforms: m, n.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
layout(std430, binding = 3) readonly buffer Stats { float stats[]; };
layout(std430, binding = 4) writeonly buffer DX { float dx[]; };
layout(std430, binding = 5) writeonly buffer P { float p[]; };
uniform int m;
uniform int n;

#define PER_THREAD 64 // backend.MaxLayerNormWidth / WG

shared float part_a[WG];
shared float part_b[WG];

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint i = gl_WorkGroupID.x; i < uint(m); i += gl_NumWorkGroups.x) {
		uint base = i * uint(n);
		float mu = stats[2u * i], r = stats[2u * i + 1u];
		float sg = 0.0, sgx = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(n)) break;
			float d = dy[base + j];
			float xh = (x[base + j] - mu) * r;
			float g = d * w[j];
			sg += g;
			sgx += g * xh;
			p[base + j] = d * xh;
		}
		part_a[lid] = sg;
		part_b[lid] = sgx;
		SYNC();
		for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
			if (lid < h) {
				part_a[lid] += part_a[lid + h];
				part_b[lid] += part_b[lid + h];
			}
			SYNC();
		}
		float mg = part_a[0] / float(n), mgx = part_b[0] / float(n);
		SYNC(); // the parts are reused by the next row
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(n)) break;
			float xh = (x[base + j] - mu) * r;
			dx[base + j] = r * (dy[base + j] * w[j] - mg - xh * mgx);
		}
	}
}
