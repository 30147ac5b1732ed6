// im2col.comp: the patches of images first … first+images−1 of x as the
// columns of cols (Patch×images·P, Patch = channels·kh·kw, P = oh·ow), so
// that a convolution is one product (backend/gl/conv.go):
//	cols[r, s·P + oy·ow + ox] = x[first+s, c, oy·stride+i−pad, ox·stride+j−pad]   (0 outside the image)
// with row r = (c·kh + i)·kw + j. One invocation per element of cols, in a
// 2-D grid (grid_index), with no loop.
// CPU reference: backend/cpu/conv.go im2col.
// Bindings: 0 x (n×channels·height·width), 1 cols. Uniforms: the geometry
// (channels, height, width, kh, kw, stride, pad, oh, ow); first, images.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Cols { float cols[]; };
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
	uint P = uint(oh * ow), row = uint(images) * P;
	if (e >= uint(channels * kh * kw) * row) return;
	int r = int(e / row);
	uint col = e % row;
	uint s = col / P;
	int p = int(col % P);
	int c = r / (kh * kw), i = r / kw % kh, j = r % kw;
	int h = p / ow * stride + i - pad, v = p % ow * stride + j - pad;
	float val = 0.0;
	if (h >= 0 && h < height && v >= 0 && v < width) {
		val = x[(uint(first) + s) * uint(channels * height * width) + uint((c * height + h) * width + v)];
	}
	cols[e] = val;
}
