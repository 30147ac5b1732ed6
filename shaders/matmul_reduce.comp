// matmul_reduce.comp: the last step of a split-K product,
//	C[i,j] = alpha·Σ_{z<slices} P[z·stride + (row0+i)·n + j] + beta·C[i,j]
// for the rows i < m of C, adding the slices in order z = 0, 1, … so the
// result is the same bits every run (no atomics). P holds the raw slice
// sums that matmul_forward.comp or linear_backward.comp wrote; row0 picks
// a block of P's rows (linear_backward.comp's row of ones goes to db).
// CPU reference: backend/cpu/matmul.go Backend.MatMul (the sum it splits).
// Bindings: 0 P, 1 C (read when beta ≠ 0, written).
// Uniforms: m, n (C is m×n), slices (≤ MAX_SLICES), stride (elements
// between slices of P), row0, alpha, beta.
#define MAX_SLICES 64
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer P { float partial[]; };
layout(std430, binding = 1) buffer C { float c[]; };
uniform int m;
uniform int n;
uniform int slices;
uniform int stride;
uniform int row0;
uniform float alpha;
uniform float beta;

void main() {
	FOR_EACH(e, m * n) {
		int i = int(e) / n, j = int(e) % n;
		int at = (row0 + i) * n + j;
		float s = 0.0;
		for (int z = 0; z < MAX_SLICES; z++) {
			if (z >= slices) break;
			s += partial[z * stride + at];
		}
		float v = alpha * s;
		if (beta != 0.0) {
			v += beta * c[e];
		}
		c[e] = v;
	}
}
