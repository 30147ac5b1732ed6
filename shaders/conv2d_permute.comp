// conv2d_permute.comp: between image rows and the filter-major layout of a
// convolution's product (backend/gl/conv.go), for images first …
// first+images−1 of filters·P outputs (P = pixels):
//	to_filter_major = 0:  y[first+s, k·P+p] = yp[k, s·P+p] + bias[k]
//	to_filter_major = 1:  yp[k, s·P+p] = y[first+s, k·P+p]
// One invocation per element written, in a 2-D grid (grid_index), with no
// loop.
// CPU reference: backend/cpu/conv.go fromFilterMajor and toFilterMajor.
// Bindings: 0 src (yp, or y), 1 bias (1×filters; read only with
// to_filter_major = 0, any buffer else), 2 dst (y's rows first …, or yp).
// Uniforms: filters, pixels, first, images, to_filter_major.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
uniform int filters;
uniform int pixels;
uniform int first;
uniform int images;
uniform int to_filter_major;

void main() {
	uint e = grid_index();
	uint P = uint(pixels), row = uint(filters) * P, cols = uint(images) * P;
	if (e >= uint(images) * row) return;
	if (to_filter_major != 0) {
		uint k = e / cols, s = e % cols / P, p = e % P;
		dst[e] = src[(uint(first) + s) * row + k * P + p];
	} else {
		uint s = e / row, k = e % row / P, p = e % P;
		dst[uint(first) * row + e] = src[k * cols + s * P + p] + bias[k];
	}
}
