// maxpool2d_backward.comp: dx as a gather: each input element sums dy over
// the windows that hold it and whose maximum it is (arg), zero elsewhere:
//	dx[q, h, v] = Σ_{oy, ox : (h−oy·stride)·kw + v−ox·stride = arg[q, oy, ox]} dy[q, oy, ox]
// over the windows holding (h, v), oy from max(0, ⌈(h−kh+1)/stride⌉) to
// min(oh−1, ⌊h/stride⌋) and ox likewise, in row-major order. One
// invocation per element of dx, in a 2-D grid (grid_index); it loops over
// at most ⌈kh/stride⌉·⌈kw/stride⌉ windows.
// CPU reference: backend/cpu/conv.go maxPoolBackward.
// Bindings: 0 arg, 1 dy, 2 dx. Uniforms: count (inputs,
// n·channels·height·width), height, width, kh, kw, stride, oh, ow.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Arg { float arg[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform int count;
uniform int height;
uniform int width;
uniform int kh;
uniform int kw;
uniform int stride;
uniform int oh;
uniform int ow;

// first_window is the first window along an axis that holds position t.
int first_window(int t, int k) {
	int d = t - k + stride; // ⌈(t−k+1)/stride⌉ = ⌊(t−k+stride)/stride⌋
	return d > 0 ? d / stride : 0;
}

void main() {
	uint e = grid_index();
	if (e >= uint(count)) return;
	uint plane = e / uint(height * width);
	int q = int(e % uint(height * width));
	int h = q / width, v = q % width;
	uint base = plane * uint(oh * ow);
	float sum = 0.0;
	for (int oy = first_window(h, kh); oy <= min(oh - 1, h / stride); oy++) {
		for (int ox = first_window(v, kw); ox <= min(ow - 1, v / stride); ox++) {
			int i = h - oy * stride, j = v - ox * stride;
			uint o = base + uint(oy * ow + ox);
			if (i < kh && j < kw && arg[o] == float(i * kw + j)) {
				sum += dy[o];
			}
		}
	}
	dx[e] = sum;
}
