// avgpool2d_forward.comp: the mean of each window of x, for n·channels
// planes of height×width (NCHW rows):
//	y[q, oy, ox] = Σ_{i<kh, j<kw} x[q, oy·stride+i, ox·stride+j] / (kh·kw)
// summed in row-major window order. One invocation per output element, in
// a 2-D grid (grid_index); it loops over its window, kh·kw ≤
// backend.MaxWindow.
// CPU reference: backend/cpu/avgpool.go avgPoolForward.
// Bindings: 0 x, 1 y. Uniforms: count (outputs, n·channels·oh·ow), height,
// width, kh, kw, stride, oh, ow.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform int count;
uniform int height;
uniform int width;
uniform int kh;
uniform int kw;
uniform int stride;
uniform int oh;
uniform int ow;

void main() {
	uint e = grid_index();
	if (e >= uint(count)) return;
	uint plane = e / uint(oh * ow);
	int q = int(e % uint(oh * ow));
	uint base = plane * uint(height * width) + uint(q / ow * stride * width + q % ow * stride);
	float s = 0.0;
	for (int i = 0; i < kh; i++) {
		for (int j = 0; j < kw; j++) {
			s += x[base + uint(i * width + j)];
		}
	}
	y[e] = s / float(kh * kw);
}
