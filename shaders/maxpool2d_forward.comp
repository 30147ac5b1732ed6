// maxpool2d_forward.comp: the maximum of each window of x and its place in
// the window, for n·channels planes of height×width (NCHW rows):
//	y[q, oy, ox] = max_{i<kh, j<kw} x[q, oy·stride+i, ox·stride+j],  arg = i·kw + j as a float
// The first maximum in row-major window order wins a tie; a window holding
// NaN gives NaN at its first NaN; a window of −Inf gives −Inf at its first
// place. NaN is tested by the bits (is_nan_f), never left to a comparison
// the compiler may assume NaN-free. One invocation per output element, in
// a 2-D grid (grid_index); it loops over its window, kh·kw ≤
// backend.MaxWindow.
// CPU reference: backend/cpu/conv.go maxPoolForward.
// Bindings: 0 x, 1 y, 2 arg. Uniforms: count (outputs, n·channels·oh·ow),
// height, width, kh, kw, stride, oh, ow.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Arg { float arg[]; };
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
	float best = -INF;
	int at = -1;
	for (int i = 0; i < kh; i++) {
		for (int j = 0; j < kw; j++) {
			float v = x[base + uint(i * width + j)];
			if (at < 0 || (!is_nan_f(best) && (is_nan_f(v) || v > best))) {
				best = v;
				at = i * kw + j;
			}
		}
	}
	y[e] = best;
	arg[e] = float(at);
}
