// batchnorm_partial.comp: the first level of a batch normalisation's
// per-channel sums. Channel c's count = rows·hw values (value k is
// x[(k/hw)·C·hw + c·hw + k%hw]) are cut into k_blocks blocks of CHUNK; work
// item w = c·k_blocks + g (one work group each, the dispatch stepping on
// beyond its size) writes block g's partial (a, b, q) to part[3w…3w+2]:
//	mode 0 (forward):  a = values in the block, b = their mean,
//	                   q = Σ (x − b)² (two passes over the block)
//	mode 1 (backward): a = Σ dy, b = Σ dy·x̂ with x̂ = (x − μ_c)·r_c, q = 0
// Invocation t takes values t, t + WG, … of the block (PER_THREAD at most);
// the group adds its WG sums as a binary tree: the order is fixed by the
// sizes, so the bits are too. batchnorm_finish.comp combines the blocks.
// CPU reference: backend/cpu/batchnorm.go batchNormStats and
// batchNormBackward's sums.
// Bindings: 0 x, 1 dy, 2 stats (3·C: μ, σ², r), 3 part (3·C·k_blocks).
// Uniforms: rows, channels, hw, k_blocks, mode.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, binding = 3) writeonly buffer Part { float part[]; };
uniform int rows;
uniform int channels;
uniform int hw;
uniform int k_blocks;
uniform int mode;

#define PER_THREAD 16 // backend.MaxBatchNormCount = (WG·PER_THREAD)²
const uint CHUNK = uint(WG * PER_THREAD);

shared float part_a[WG];
shared float part_b[WG];

// at is the index in x of value k of channel c.
uint at(uint c, uint k) {
	uint h = uint(hw);
	return ((k / h) * uint(channels) + c) * h + k % h;
}

// group_sums returns the sums of every invocation's a and b.
vec2 group_sums(float a, float b) {
	uint lid = gl_LocalInvocationID.x;
	part_a[lid] = a;
	part_b[lid] = b;
	SYNC();
	for (uint h = uint(WG) / 2u; h > 0u; h >>= 1) {
		if (lid < h) {
			part_a[lid] += part_a[lid + h];
			part_b[lid] += part_b[lid + h];
		}
		SYNC();
	}
	vec2 s = vec2(part_a[0], part_b[0]);
	SYNC(); // the parts are reused by the next sum
	return s;
}

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint count = uint(rows) * uint(hw);
	uint items = uint(channels) * uint(k_blocks);
	for (uint w = gl_WorkGroupID.x; w < items; w += gl_NumWorkGroups.x) {
		uint c = w / uint(k_blocks), g = w % uint(k_blocks);
		uint start = g * CHUNK, end = min(count, start + CHUNK);
		float a = 0.0, b = 0.0, q = 0.0;
		if (mode == 0) {
			for (uint p = 0u; p < uint(PER_THREAD); p++) {
				uint k = start + lid + p * uint(WG);
				if (k >= end) break;
				a += x[at(c, k)];
			}
			float n = float(end - start);
			float mean = group_sums(a, 0.0).x / n;
			for (uint p = 0u; p < uint(PER_THREAD); p++) {
				uint k = start + lid + p * uint(WG);
				if (k >= end) break;
				float d = x[at(c, k)] - mean;
				q += d * d;
			}
			a = n;
			b = mean;
			q = group_sums(q, 0.0).x;
		} else {
			float mu = stats[c], r = stats[2u * uint(channels) + c];
			for (uint p = 0u; p < uint(PER_THREAD); p++) {
				uint k = start + lid + p * uint(WG);
				if (k >= end) break;
				uint e = at(c, k);
				float d = dy[e];
				a += d;
				b += d * (x[e] - mu) * r;
			}
			vec2 s = group_sums(a, b);
			a = s.x;
			b = s.y;
		}
		if (lid == 0u) {
			part[3u * w] = a;
			part[3u * w + 1u] = b;
			part[3u * w + 2u] = q;
		}
	}
}
