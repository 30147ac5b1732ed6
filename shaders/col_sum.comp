// col_sum.comp: the column sums (the bias gradient) of the rows of x in
// blocks of rows_per_group:
//	dst[b, j] = Σ_{i in block b} x[i, j],  block b = rows b·rows_per_group …
// With rows_per_group ≥ m one dispatch gives dst[j] = Σ_i x[i, j]; for more
// rows the launcher sums the blocks' partial sums (a ⌈m/rows_per_group⌉×n
// matrix) the same way until one row is left, so no invocation loops over
// more than rows_per_group/16 rows whatever m is.
// CPU reference: backend/cpu/reduce.go colSum.
// Bindings: 0 x, 1 dst. Uniforms: m, n (x is m×n), rows_per_group.
//
// A 16×16 work group covers 16 columns of one block at a time (stepping on
// by the dispatch's size beyond GL's 65535 groups, in both dimensions):
// invocation (c, r) adds rows r, r+16, … of the block in column c in order
// (neighbouring invocations read neighbouring columns), then the 16 partial
// sums of each column are added as a tree. The order is fixed:
// deterministic.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int m;
uniform int n;
uniform int rows_per_group;

shared float part[16][16];

void main() {
	int c = int(gl_LocalInvocationID.x), r = int(gl_LocalInvocationID.y);
	int blocks = (m + rows_per_group - 1) / rows_per_group;
	for (int b = int(gl_WorkGroupID.y); b < blocks; b += int(gl_NumWorkGroups.y)) {
		int i0 = b * rows_per_group, i1 = min(m, i0 + rows_per_group);
		for (int j0 = int(gl_WorkGroupID.x) * 16; j0 < n; j0 += int(gl_NumWorkGroups.x) * 16) {
			int j = j0 + c;
			float s = 0.0;
			if (j < n) {
				for (int i = i0 + r; i < i1; i += 16) {
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
				dst[b * n + j] = part[0][c];
			}
			SYNC(); // part is reused by the next block
		}
	}
}
