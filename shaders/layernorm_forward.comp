// layernorm_forward.comp: LayerNorm over the rows of x (m×n), one work
// group per row (the dispatch stepping on over the rows beyond its size):
//	μ = Σ_j x_j / n;  r = 1/√(Σ_j (x_j − μ)²/n + eps);  y_j = (x_j − μ)·r·w_j + b_j
// and stats[i] = (μ, r). Invocation t takes elements t, t + WG, … of the row,
// at most PER_THREAD of them (n ≤ backend.MaxLayerNormWidth = WG·PER_THREAD),
// then the group adds its WG sums as a binary tree in shared memory: the
// order is fixed by n, so the bits are too. The variance is the two-pass
// one (no cancellation of E[x²] − μ²).
// CPU reference: backend/cpu/layernorm.go layerNormForward.
// Bindings: 0 x, 1 w (n), 2 b (n), 3 y, 4 stats (2·m). Uniforms: m, n, eps.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 4) writeonly buffer Stats { float stats[]; };
uniform int m;
uniform int n;
uniform float eps;

#define PER_THREAD 64 // backend.MaxLayerNormWidth / WG

shared float part[WG];

// group_sum returns the sum of every invocation's s, the same in each.
float group_sum(float s) {
	uint lid = gl_LocalInvocationID.x;
	part[lid] = s;
	SYNC();
	for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
		if (lid < h) part[lid] += part[lid + h];
		SYNC();
	}
	float total = part[0];
	SYNC(); // part is reused by the next sum
	return total;
}

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint i = gl_WorkGroupID.x; i < uint(m); i += gl_NumWorkGroups.x) {
		uint base = i * uint(n);
		float s = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(n)) break;
			s += x[base + j];
		}
		float mu = group_sum(s) / float(n);
		float v = 0.0;
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(n)) break;
			float d = x[base + j] - mu;
			v += d * d;
		}
		float r = 1.0 / sqrt(group_sum(v) / float(n) + eps);
		for (uint q = 0u; q < uint(PER_THREAD); q++) {
			uint j = lid + q * uint(WG);
			if (j >= uint(n)) break;
			y[base + j] = (x[base + j] - mu) * r * w[j] + b[j];
		}
		if (lid == 0u) {
			stats[2u * i] = mu;
			stats[2u * i + 1u] = r;
		}
	}
}
