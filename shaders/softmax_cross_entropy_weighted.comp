// softmax_cross_entropy_weighted.comp: per row i of logits x (m×n) with
// label c, class weights w (1×n; all 1 when has_weight is 0) and label
// smoothing eps, with lse = log Σ_j exp(x_j) and Σw = Σ_j w_j:
//	vals[i]     = (1−eps)·w_c·(lse − x_c) + eps/n·Σ_j w_j·(lse − x_j)
//	              (the smoothing term only when eps > 0)
//	vals[m + i] = w_c
//	grad[i,j]   = (1−eps)·w_c·(p_j − [j = c]) + eps/n·(p_j·Σw − w_j)
//	              (when with_grad is set; p_j = exp(x_j − lse))
// unnormalised: sum_pair.comp then sums both halves of vals and
// softmax_cross_entropy_weighted_finish.comp divides by W = Σ_i w_{y_i}.
// A label that is not a class index gives NaN for all three; a NaN or +Inf
// logit a NaN loss and gradient row (tested on the bits: compilers may
// assume no NaN). One invocation loops over its row, so rows are at most
// narrowCols long (backend/gl/loss_weighted.go refuses longer).
// CPU reference: backend/cpu/loss_weighted.go weightedCrossEntropyRow.
// Bindings: 0 logits, 1 labels, 2 weight (any buffer when has_weight is
// 0), 3 vals (2m), 4 grad (any buffer when with_grad is 0).
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };
layout(std430, binding = 3) writeonly buffer Vals { float vals[]; };
layout(std430, binding = 4) writeonly buffer Grad { float grad[]; };
uniform int m;
uniform int n;
uniform int has_weight;
uniform float eps;
uniform int with_grad;

float w_at(int j) { return has_weight != 0 ? weight[j] : 1.0; }

void main() {
	FOR_EACH(i, m) {
		uint base = i * uint(n);
		int c = class_index(labels[i], n);
		if (c < 0) {
			vals[i] = NAN;
			vals[uint(m) + i] = NAN;
			for (int j = 0; with_grad != 0 && j < n; j++) {
				grad[base + uint(j)] = NAN;
			}
			continue;
		}
		bool bad = false;
		float mx = -INF;
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			bad = bad || is_nan_f(v) || v == INF;
			mx = max(mx, v);
		}
		float wc = w_at(c);
		vals[uint(m) + i] = wc;
		if (bad) {
			vals[i] = NAN;
			for (int j = 0; with_grad != 0 && j < n; j++) {
				grad[base + uint(j)] = NAN;
			}
			continue;
		}
		// Around the maximum, so that no step loses the digits of a
		// large logit: lse − x_j = (mx − x_j) + log s.
		float s = 0.0, sw = 0.0, swd = 0.0;
		for (int j = 0; j < n; j++) {
			float v = x[base + uint(j)];
			float wj = w_at(j);
			s += exp_f(v - mx);
			sw += wj;
			if (eps > 0.0) {
				swd += wj * (mx - v);
			}
		}
		float log_s = log_f(s);
		float loss = (1.0 - eps) * wc * ((mx - x[base + uint(c)]) + log_s);
		if (eps > 0.0) {
			loss += eps / float(n) * (swd + sw * log_s);
		}
		vals[i] = loss;
		for (int j = 0; with_grad != 0 && j < n; j++) {
			float p = exp_f(x[base + uint(j)] - mx) / s;
			float d = j == c ? p - 1.0 : p;
			grad[base + uint(j)] = (1.0 - eps) * wc * d + eps / float(n) * (p * sw - w_at(j));
		}
	}
}
