package backend

// RegressionLosser is an optional part of Losser, found by type assertion
// (io/fs style): the elementwise losses of regression and multi-label
// classification, each a mean over all m·n elements of pred (or logits)
// against a real-valued target of the same shape, written into a 1×1 loss
// and, when the gradient tensor is not nil, the gradient with respect to
// the predictions in the same pass. The target's gradient is the negative of
// the prediction's for L1Loss and HuberLoss; BCEWithLogits gives the target
// none. The reductions are deterministic.
//
// A NaN or ±Inf in pred or target gives a non-finite loss (never a hidden
// divergence); the gradients follow PyTorch's formulas at those values.
type RegressionLosser interface {
	// L1Loss is PyTorch's torch.nn.L1Loss() (reduction "mean"):
	//	loss  = 1/(m·n) · Σ |pred − target|
	//	dpred = sign(pred − target) / (m·n)      (sign(0) = sign(NaN) = 0, as torch.sign)
	L1Loss(loss, dpred, pred, target Tensor) error
	// HuberLoss is PyTorch's torch.nn.HuberLoss(delta=delta) (mean), with
	// d = pred − target:
	//	loss  = 1/(m·n) · Σ { d²/2              if |d| ≤ delta
	//	                    { delta·(|d| − delta/2)  otherwise
	//	dpred = clamp(d, −delta, delta) / (m·n)     (NaN for a NaN d)
	// delta is finite and > 0 (CheckHuberDelta). With delta = 1 it equals
	// torch.nn.SmoothL1Loss(beta=1); in general SmoothL1(beta) =
	// Huber(delta=beta)/beta.
	HuberLoss(loss, dpred, pred, target Tensor, delta float32) error
	// BCEWithLogits is PyTorch's torch.nn.BCEWithLogitsLoss() (mean, no
	// weight, no pos_weight), for binary or multi-label targets in [0, 1],
	// in the stable form PyTorch uses:
	//	loss    = 1/(m·n) · Σ (1 − y)·x + max(−x, 0) + log(1 + exp(−|x|))
	//	dlogits = (σ(x) − y) / (m·n)
	// where σ(x) = 1/(1+exp(−x)).
	BCEWithLogits(loss, dlogits, logits, target Tensor) error
}

// WeightedLosser is an optional part of Losser, found by type assertion:
// softmax cross-entropy with class weights and label smoothing, PyTorch's
// torch.nn.CrossEntropyLoss(weight=w, label_smoothing=ε) with class-index
// targets and reduction "mean". For logits x (batch×C), labels y
// (batch×1), weight w (1×C; nil for all ones), log-probabilities
// lp = log softmax(x) and W = Σ_i w_{y_i}:
//
//	loss = 1/W · Σ_i [ (1−ε)·w_{y_i}·(−lp_{i,y_i}) + ε/C · Σ_j w_j·(−lp_ij) ]
//	dlogits_ij = 1/W · [ (1−ε)·w_{y_i}·(p_ij − [j = y_i]) + ε/C · (p_ij·Σ_k w_k − w_j) ]
//
// As in PyTorch, the weighted mean divides by the sum of the target
// classes' weights (batch when w is nil), also for the smoothing term;
// with w nil and ε = 0 it is SoftmaxCrossEntropy. A label that is not a
// class index makes W, so the loss and the whole gradient, NaN; a NaN
// logit makes the loss NaN. ε is in [0, 1] (CheckSmoothing). Backends
// may limit C (gl: rows of up to 4096 classes, else an error wrapping
// errors.ErrUnsupported).
type WeightedLosser interface {
	SoftmaxCrossEntropyWeighted(loss, dlogits, logits, labels, weight Tensor, smoothing float32) error
}
