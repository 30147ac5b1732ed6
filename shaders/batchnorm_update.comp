// batchnorm_update.comp: the running statistics of a batch normalisation
// move towards a batch's, one invocation per channel (grid-stride):
//	mean_c = (1 − m)·mean_c + m·μ_c
//	var_c = (1 − m)·var_c + m·σ²_c·unbias,   unbias = count/(count − 1)
// CPU reference: backend/cpu/batchnorm.go BatchNormUpdate.
// Bindings: 0 stats (3·C: μ, σ², r), 1 mean, 2 var. Uniforms: channels,
// momentum, unbias.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Stats { float stats[]; };
layout(std430, binding = 1) buffer Mean { float mean[]; };
layout(std430, binding = 2) buffer Var { float var_[]; };
uniform int channels;
uniform float momentum;
uniform float unbias;

void main() {
	FOR_EACH(c, channels) {
		mean[c] = (1.0 - momentum) * mean[c] + momentum * stats[c];
		var_[c] = (1.0 - momentum) * var_[c] + momentum * (stats[uint(channels) + c] * unbias);
	}
}
