// batchnorm_apply.comp: the elementwise part of a batch normalisation, one
// invocation per value (grid-stride), channel c = (e / hw) mod C:
//	mode 0 (training forward): y = (x − μ_c)·r_c·w_c + b_c, μ and r from stats
//	mode 1 (backward):         dx = w_c·r_c·(dy − db_c/count − x̂·dw_c/count),
//	                           x̂ = (x − μ_c)·r_c, count = rows·hw
//	mode 2 (inference):        y = (x − mean_c)/√(var_c + eps)·w_c + b_c
//	mode 3 (inference backward): dx = dy·w_c·r_c, r from stats
// CPU reference: backend/cpu/batchnorm.go batchNormApply,
// batchNormBackward and BatchNormInferenceBackward.
// Bindings: 0 x, 1 dy, 2 stats (3·C), 3 w, 4 b, 5 s1 (dw, or the running
// mean), 6 s2 (db, or the running variance), 7 dst (y or dx).
// Uniforms: rows, channels, hw, mode, eps.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, binding = 3) readonly buffer W { float w[]; };
layout(std430, binding = 4) readonly buffer B { float b[]; };
layout(std430, binding = 5) readonly buffer S1 { float s1[]; };
layout(std430, binding = 6) readonly buffer S2 { float s2[]; };
layout(std430, binding = 7) writeonly buffer Dst { float dst[]; };
uniform int rows;
uniform int channels;
uniform int hw;
uniform int mode;
uniform float eps;

void main() {
	uint total = uint(rows) * uint(channels) * uint(hw);
	float count = float(uint(rows) * uint(hw));
	FOR_EACH(e, total) {
		uint c = (e / uint(hw)) % uint(channels);
		if (mode == 0) {
			dst[e] = (x[e] - stats[c]) * stats[2u * uint(channels) + c] * w[c] + b[c];
		} else if (mode == 1) {
			float r = stats[2u * uint(channels) + c];
			float xh = (x[e] - stats[c]) * r;
			dst[e] = w[c] * r * (dy[e] - s2[c] / count - xh * (s1[c] / count));
		} else if (mode == 2) {
			dst[e] = (x[e] - s1[c]) / sqrt(s2[c] + eps) * w[c] + b[c];
		} else {
			dst[e] = dy[e] * w[c] * stats[2u * uint(channels) + c];
		}
	}
}
