// common.glsl: prepended to every kernel. Constants, the grid-stride loop,
// and the float32 math the kernels share. GLSL's exp, log and tanh are only
// required to be accurate to a few ulp near zero (exp to 3 + 2·|x| ulp), and
// GLSL has no erf; the functions below are accurate to a few ulp over the
// whole float32 range, so that every kernel matches the float64 CPU
// reference to 1e-5 relative.

#define WG 256

// FOR_EACH(i, count) visits i = 0 … count−1 across the whole dispatch.
#define FOR_EACH(i, count) \
	for (uint i = gl_GlobalInvocationID.x; i < uint(count); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// grid_index is the invocation's element in a 2-D dispatch of WG-wide work
// groups numbered row-major (backend/gl conv.go grid): one invocation per
// element, with no loop, for up to 65535·65535·WG elements. The kernel
// guards it against its element count.
uint grid_index() {
	return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * uint(WG) + gl_LocalInvocationID.x;
}

// SYNC makes shared-memory writes visible to the whole work group.
#define SYNC() memoryBarrierShared(); barrier()

const float NAN = uintBitsToFloat(0x7fc00000u);
const float INF = uintBitsToFloat(0x7f800000u);

// is_nan_f and is_finite_f test the bits. GLSL lets a compiler assume that
// no value is NaN (isnan may then be false, max(NaN, 0) may be 0, x > 0 may
// become !(x <= 0)); an integer test of the bits cannot be assumed away.
bool is_nan_f(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }
bool is_finite_f(float x) { return (floatBitsToUint(x) & 0x7fffffffu) < 0x7f800000u; }

// exp_f is exp(x) with Cody–Waite range reduction (x = n·ln2 + r,
// |r| ≤ ln2/2, ln2 split in two so n·C1 is exact) and Cephes' expf
// polynomial for e^r: about 1 ulp, where GPU exp loses |x|·ulp.
float exp_f(float x) {
	if (x > 88.72283) return INF;
	if (x < -103.97208) return 0.0;
	float n = round(x * 1.44269504);
	float r = x - n * 0.693359375;
	r = r - n * -2.12194440e-4;
	float p = ((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
		+ 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1;
	p = p * r * r + r + 1.0;
	int e = int(n);
	if (e > 127) return ldexp(p, e - 1) * 2.0; // 2^128 itself is not a float
	return ldexp(p, e);
}

// expm1_f is exp(x) − 1 without the cancellation of exp_f(x) − 1 for small
// |x|: a Taylor polynomial to x⁸/8! below 0.5 (error < 1e-8 relative).
float expm1_f(float x) {
	if (abs(x) >= 0.5) return exp_f(x) - 1.0;
	return x * (1.0 + x * (1.0 / 2.0 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0
		+ x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0))))))));
}

// atanh_series is 2·atanh(s) = log((1+s)/(1−s)) for |s| ≤ 0.1716, the odd
// series to s¹¹ (error < 4e-10 relative).
float atanh_series(float s) {
	float z = s * s;
	return 2.0 * s * (1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0))))));
}

// log_f is log(x) for x > 0: x = m·2^e with m in [√½, √2), log m by the
// atanh series of s = (m−1)/(m+1).
float log_f(float x) {
	if (!(x > 0.0)) return x == 0.0 ? -INF : NAN;
	if (isinf(x)) return INF;
	int e;
	float m = frexp(x, e); // m in [0.5, 1)
	if (m < 0.70710678) {
		m *= 2.0;
		e -= 1;
	}
	return float(e) * 0.693147181 + atanh_series((m - 1.0) / (m + 1.0));
}

// log1p_f is log(1 + u) for u ≥ 0, keeping the digits of a small u:
// 2·atanh(u/(2+u)) while u ≤ √2 − 1.
float log1p_f(float u) {
	if (u > 0.41421356) return log_f(1.0 + u);
	return atanh_series(u / (2.0 + u));
}

// erfc_f is the complementary error function of a finite x, by the
// Chebyshev fit of Numerical Recipes (erfcc, fractional error < 1.2e-7
// everywhere), with z² split as hi² + (z−hi)(z+hi) so that exp's argument
// keeps its digits in the far tail. Beyond 10.5 erfc is below float32's
// least subnormal (erfc(10.5) ≈ 7e-50), and z + hi could overflow.
float erfc_f(float x) {
	float z = abs(x);
	if (z > 10.5) return x > 0.0 ? 0.0 : 2.0;
	float t = 1.0 / (1.0 + 0.5 * z);
	float poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
		+ t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
		+ t * (-0.82215223 + t * 0.17087277))))))));
	float hi = uintBitsToFloat(floatBitsToUint(z) & 0xfffff000u);
	float r = t * exp_f(-hi * hi) * exp_f((hi - z) * (hi + z) + poly);
	return x >= 0.0 ? r : 2.0 - r;
}

// normal_cdf is Φ(x) = erfc(−x/√2)/2; normal_pdf is φ(x) = exp(−x²/2)/√(2π).
float normal_cdf(float x) { return 0.5 * erfc_f(-x * 0.70710678118); }
float normal_pdf(float x) { return 0.39894228040 * exp_f(-0.5 * x * x); }

// sigmoid_f is σ(x) = 1/(1+exp(−x)), as exp(x)/(1+exp(x)) for negative x so
// that neither side overflows.
float sigmoid_f(float x) {
	if (is_nan_f(x)) return x;
	if (x >= 0.0) return 1.0 / (1.0 + exp_f(-x));
	float e = exp_f(x);
	return e / (1.0 + e);
}

// sigmoid_grad is σ'(x) = σ(x)·σ(−x) = e/(1+e)², e = exp(−|x|): no 1 − σ
// cancellation on either side.
float sigmoid_grad(float x) {
	if (is_nan_f(x)) return x;
	float e = exp_f(-abs(x));
	return e / ((1.0 + e) * (1.0 + e));
}

// tanh_f is tanh(x): Cephes' tanhf polynomial below 0.625, else
// 1 − 2/(exp(2|x|)+1), which saturates to ±1 instead of overflowing to NaN.
// Both are evaluated at |x| and given x's sign bit, so that tanh(−0) = −0.
float tanh_f(float x) {
	if (is_nan_f(x)) return x;
	float a = abs(x);
	float z = a * a;
	float r = a < 0.625 ? a + a * z * ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z
		+ 1.33314422036e-1) * z - 3.33332819422e-1)
		: 1.0 - 2.0 / (exp_f(2.0 * a) + 1.0);
	return uintBitsToFloat(floatBitsToUint(r) | (floatBitsToUint(x) & 0x80000000u));
}

// tanh_grad is 1 − tanh²(x) = 4e/(1+e)², e = exp(−2|x|).
float tanh_grad(float x) {
	if (is_nan_f(x)) return x;
	float e = exp_f(-2.0 * abs(x));
	return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

// gelu_tanh_u is GELU's tanh form's argument u = √(2/π)(x + 0.044715x³).
float gelu_tanh_u(float x) { return 0.79788456080 * (x + 0.044715 * x * x * x); }

// The activations themselves are the activation table's rows
// (backend/activations.go); backend/gl appends their GLSL to this file, as
// act_forward, act_grad and act_backward under #if ACT == kind.

// class_index returns label as a class index below n, or −1 when it is not
// a whole number in [0, n).
int class_index(float label, int n) {
	if (!(label >= 0.0 && label < float(n)) || label != floor(label)) return -1;
	return int(label);
}
