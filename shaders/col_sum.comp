// col_sum.comp: dst[j] = Σ_i x[i,j], the column sums (the bias gradient).
// CPU reference: backend/cpu/reduce.go colSum.
// Bindings: 0 x, 1 dst. Uniforms: m, n (x is m×n).
//
// A 16×16 work group covers 16 columns at a time (stepping on by the
// dispatch's size beyond GL's 65535 groups): invocation (c, r) adds rows r,
// r+16, … of column c in order (neighbouring invocations read neighbouring
// columns), then the 16 partial sums of each column are added as a tree.
// The order is fixed: deterministic.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int m;
uniform int n;

shared float part[16][16];

void main() {
	int c = int(gl_LocalInvocationID.x), r = int(gl_LocalInvocationID.y);
	for (int j0 = int(gl_WorkGroupID.x) * 16; j0 < n; j0 += int(gl_NumWorkGroups.x) * 16) {
		int j = j0 + c;
		float s = 0.0;
		if (j < n) {
			for (int i = r; i < m; i += 16) {
				s += x[i * n + j];
			}
		}
		part[r][c] = s;
		SYNC();
		for (int h = 8; h > 0; h >>= 1) {
			if (r < h) {
				part[r][c] += part[r + h][c];
			}
			SYNC();
		}
		if (r == 0 && j < n) {
			dst[j] = part[0][c];
		}
		SYNC(); // part is reused by the next block
	}
}
