// transpose.comp: dst (n×m) = the transpose of x (m×n), in 16×16 tiles
// staged in shared memory so that both the reads and the writes of
// neighbouring invocations touch neighbouring elements:
//	dst[j, i] = x[i, j]
// Tile (tx, ty) covers columns 16·tx … and rows 16·ty … of x; the work
// groups step on by the dispatch's size beyond GL's 65535 in both
// dimensions, and each invocation moves one element of a tile.
// CPU reference: backend/cpu/shapeops.go transpose.
// Bindings: 0 x, 1 dst. Uniforms: m, n.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int m;
uniform int n;

shared float tile[16][17]; // 17: no bank conflicts on the transposed read

void main() {
	uint c = gl_LocalInvocationID.x, r = gl_LocalInvocationID.y;
	uint tilesX = (uint(n) + 15u) / 16u, tilesY = (uint(m) + 15u) / 16u;
	for (uint ty = gl_WorkGroupID.y; ty < tilesY; ty += gl_NumWorkGroups.y) {
		for (uint tx = gl_WorkGroupID.x; tx < tilesX; tx += gl_NumWorkGroups.x) {
			uint i = ty * 16u + r, j = tx * 16u + c;
			if (i < uint(m) && j < uint(n)) tile[r][c] = x[i * uint(n) + j];
			SYNC();
			uint oi = tx * 16u + r, oj = ty * 16u + c; // dst row (an x column), dst column
			if (oi < uint(n) && oj < uint(m)) dst[oi * uint(m) + oj] = tile[c][r];
			SYNC(); // the tile is reused by the next one
		}
	}
}
