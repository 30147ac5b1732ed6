// adam_step.comp: one Adam/AdamW step (see backend.Adam), with the bias
// corrections folded into step_size = lr/(1−β1^t) and inv_sqrt_bc2 = 1/√(1−β2^t):
//	p ← p·decay; g ← g + l2·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²
//	p ← p − step_size·m/(√v·inv_sqrt_bc2 + eps)
// CPU reference: backend/cpu/optim.go adamStep.
// Bindings: 0 p, 2 m and 3 v (read and written), 1 g.
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer G { float g[]; };
layout(std430, binding = 2) buffer M { float m[]; };
layout(std430, binding = 3) buffer V { float v[]; };
uniform int n;
uniform float beta1;
uniform float beta2;
uniform float eps;
uniform float step_size;
uniform float inv_sqrt_bc2;
uniform float decay;
uniform float l2;

void main() {
	FOR_EACH(i, n) {
		float pi = p[i] * decay;
		float gi = g[i] + l2 * pi;
		float mi = beta1 * m[i] + (1.0 - beta1) * gi;
		float vi = beta2 * v[i] + (1.0 - beta2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		p[i] = pi - step_size * mi / (sqrt(vi) * inv_sqrt_bc2 + eps);
	}
}
