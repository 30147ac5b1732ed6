// batchnorm_update.comp: a batch normalisation's statistics per channel,
// one invocation per channel (grid-stride):
//	mode 0: the running statistics move towards a batch's,
//	        mean_c = (1 − m)·mean_c + m·μ_c
//	        var_c = (1 − m)·var_c + m·σ²_c·unbias,   unbias = count/(count − 1)
//	mode 1: stats from the running statistics, for the evaluation backward:
//	        (μ_c, σ²_c, r_c) = (mean_c, var_c, 1/√(var_c + eps))
// CPU reference: backend/cpu/batchnorm.go BatchNormUpdate and
// BatchNormInferenceBackward.
// Bindings: 0 stats (3·C: μ, σ², r), 1 mean, 2 var. Uniforms: channels,
// mode, momentum, unbias, eps.
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer Stats { float stats[]; };
layout(std430, binding = 1) buffer Mean { float mean[]; };
layout(std430, binding = 2) buffer Var { float var_[]; };
uniform int channels;
uniform int mode;
uniform float momentum;
uniform float unbias;
uniform float eps;

void main() {
	uint n = uint(channels);
	FOR_EACH(c, channels) {
		if (mode == 0) {
			mean[c] = (1.0 - momentum) * mean[c] + momentum * stats[c];
			var_[c] = (1.0 - momentum) * var_[c] + momentum * (stats[n + c] * unbias);
		} else {
			stats[c] = mean[c];
			stats[n + c] = var_[c];
			stats[2u * n + c] = 1.0 / sqrt(var_[c] + eps);
		}
	}
}
