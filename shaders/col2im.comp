// col2im.comp: the gradient of images first … first+images−1 of dx from
// dcols (Patch×images·P), the inverse scatter of im2col.comp computed as a
// gather, so that each element is one sum in a fixed order (i, then j,
// ascending, as the CPU adds them):
//	dx[first+s, c, h, v] = Σ_{i,j : oy = (h+pad−i)/stride, ox = (v+pad−j)/stride whole and in range}
//	                       dcols[(c·kh + i)·kw + j, s·P + oy·ow + ox]
// One invocation per element of dx's rows, in a 2-D grid (grid_index); it
// loops only over the kernel positions that can reach it, i ≡ h+pad and
// j ≡ v+pad (mod stride): ⌈kh/stride⌉·⌈kw/stride⌉ at most, within
// backend.MaxWindow.
// CPU reference: backend/cpu/conv.go col2im.
// Bindings: 0 dcols, 1 dx (n×channels·height·width, rows first … written).
// Uniforms: the geometry (channels, height, width, kh, kw, stride, pad, oh,
// ow); first, images.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DCols { float dcols[]; };
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };
uniform int channels;
uniform int height;
uniform int width;
uniform int kh;
uniform int kw;
uniform int stride;
uniform int pad;
uniform int oh;
uniform int ow;
uniform int first;
uniform int images;

void main() {
	uint e = grid_index();
	uint in_n = uint(channels * height * width);
	if (e >= uint(images) * in_n) return;
	uint s = e / in_n;
	int q = int(e % in_n);
	int c = q / (height * width), h = q / width % height, v = q % width;
	uint P = uint(oh * ow), row = uint(images) * P;
	float sum = 0.0;
	for (int i = (h + pad) % stride; i < kh; i += stride) {
		int y = h + pad - i; // a multiple of stride, falling as i rises
		if (y < 0) break;
		if (y / stride >= oh) continue;
		for (int j = (v + pad) % stride; j < kw; j += stride) {
			int z = v + pad - j;
			if (z < 0) break;
			if (z / stride >= ow) continue;
			uint r = uint((c * kh + i) * kw + j);
			sum += dcols[r * row + s * P + uint(y / stride * ow + z / stride)];
		}
	}
	dx[uint(first) * in_n + e] = sum;
}
