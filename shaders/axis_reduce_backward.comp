// axis_reduce_backward.comp: the gradient of a reduction along rows
// (axis 0, dy m×1) or columns (axis 1, dy 1×n) of dx (m×n), one invocation
// per element: with r the element's reduction and p its place in it,
//	dx[i,j] = scale·dy[r]                    (has_arg 0: a sum or mean)
//	dx[i,j] = p = arg[r] ? dy[r] : 0         (has_arg 1: a max)
// CPU reference: backend/cpu/reduce_axis.go reduceBackward.
// Bindings: 0 dy, 1 arg (any buffer when has_arg is 0), 2 dx.
// Uniforms: count (m·n), n, axis, has_arg, scale.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Dy { float dy[]; };
layout(std430, binding = 1) readonly buffer Arg { float arg[]; };
layout(std430, binding = 2) writeonly buffer Dx { float dx[]; };
uniform int count;
uniform int n;
uniform int axis;
uniform int has_arg;
uniform float scale;

void main() {
	FOR_EACH(e, count) {
		uint i = e / uint(n), j = e % uint(n);
		uint r = axis == 0 ? i : j, p = axis == 0 ? j : i;
		float g = dy[r];
		if (has_arg != 0) {
			dx[e] = p == uint(arg[r]) ? g : 0.0;
		} else {
			dx[e] = scale * g;
		}
	}
}
