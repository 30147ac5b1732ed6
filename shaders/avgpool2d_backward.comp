// avgpool2d_backward.comp: the gradient of the window means, a gather with
// one invocation per element (h, v) of dx, in a 2-D grid (grid_index):
//	dx[q, h, v] = Σ_{windows (oy, ox) holding (h, v)} dy[q, oy, ox] / (kh·kw)
// over oy from ⌈(h−kh+1)/stride⌉ to ⌊h/stride⌋ (clipped to the output),
// likewise ox, in row-major order: at most ⌈kh/stride⌉·⌈kw/stride⌉ ≤
// kh·kw ≤ backend.MaxWindow terms.
// CPU reference: backend/cpu/avgpool.go avgPoolBackward.
// Bindings: 0 dy, 1 dx. Uniforms: count (elements of dx,
// n·channels·height·width), height, width, kh, kw, stride, oh, ow.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };
uniform int count;
uniform int height;
uniform int width;
uniform int kh;
uniform int kw;
uniform int stride;
uniform int oh;
uniform int ow;

// first_window is ⌈(h−k+1)/stride⌉, or 0 when h < k.
int first_window(int h, int k) { return h >= k ? (h - k + stride) / stride : 0; }

void main() {
	uint e = grid_index();
	if (e >= uint(count)) return;
	uint plane = e / uint(height * width);
	int at = int(e % uint(height * width));
	int h = at / width, v = at % width;
	int y0 = first_window(h, kh), y1 = min(h / stride + 1, oh);
	int x0 = first_window(v, kw), x1 = min(v / stride + 1, ow);
	uint base = plane * uint(oh * ow);
	float s = 0.0;
	for (int oy = y0; oy < y1; oy++) {
		for (int ox = x0; ox < x1; ox++) {
			s += dy[base + uint(oy * ow + ox)];
		}
	}
	dx[e] = s / float(kh * kw);
}
