// one_hot.comp: dst[i,j] = 1 if j = labels[i], else 0; a label that is not a column index gives a row of NaN.
// CPU reference: backend/cpu/index.go Backend.OneHot.
// Bindings: 0 labels, 1 dst.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Labels { float labels[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
uniform int n;    // elements of dst
uniform int cols;

void main() {
	FOR_EACH(e, n) {
		uint i = e / uint(cols), j = e % uint(cols);
		int c = class_index(labels[i], cols);
		dst[e] = c < 0 ? NAN : (int(j) == c ? 1.0 : 0.0);
	}
}
