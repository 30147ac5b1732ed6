// sgd_step.comp: one SGD step (see backend.SGD):
//	g ← g + weight_decay·p; v ← momentum·v + g; g ← g + momentum·v (Nesterov) or v; p ← p − lr·g
// CPU reference: backend/cpu/optim.go sgdStep.
// Bindings: 0 p (read and written), 1 g, 2 v (read and written; any buffer when momentum is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer G { float g[]; };
layout(std430, binding = 2) buffer V { float v[]; };
uniform int n;
uniform float lr;
uniform float momentum;
uniform float weight_decay;
uniform int nesterov;

void main() {
	FOR_EACH(i, n) {
		float pi = p[i];
		float d = g[i] + weight_decay * pi;
		if (momentum != 0.0) {
			float vi = momentum * v[i] + d;
			v[i] = vi;
			d = nesterov != 0 ? d + momentum * vi : vi;
		}
		p[i] = pi - lr * d;
	}
}
