package backend

import "fmt"

// MaxAttentionContext bounds the context T of causal attention: its scores
// are materialised, B·heads·T² floats (256 MiB for 16 sequences of 4 heads
// at T = 1024; 16× that at 4096), and 32 GPU invocations take a row of T
// scores, each at most 128 of them.
const MaxAttentionContext = 4096

// CausalSoftmaxer is the optional interface of a backend that computes the
// causal softmax of attention scores, the mask computed from the indices
// (no mask tensor). The scores of a batch of sequences and heads are
// (B·heads·T)×T: row r holds the scores of query position t = r mod T
// against every key position j, of which only j ≤ t are seen. Find it by a
// type assertion (io/fs style).
type CausalSoftmaxer interface {
	// CausalSoftmaxForward sets row r of p to the softmax of row r of s
	// over the columns j ≤ t = r mod T, and the other columns to exactly 0:
	//	p_rj = exp(s_rj − μ_r) / Σ_{k≤t} exp(s_rk − μ_r)   (j ≤ t),   μ_r = max_{k≤t} s_rk
	//	p_rj = 0                                          (j > t)
	// A row whose seen scores hold NaN, or whose μ_r is ±Inf, gets NaN in
	// its seen columns (PyTorch's softmax after masked_fill(−inf)); the
	// scores of the masked columns are never read. p may be s.
	CausalSoftmaxForward(p, s Tensor) error
	// CausalSoftmaxBackward sets, from p of CausalSoftmaxForward and the
	// gradient dp with respect to it,
	//	ds_rj = p_rj·(dp_rj − Σ_{k≤t} p_rk·dp_rk)   (j ≤ t),   ds_rj = 0   (j > t)
	// reading neither p nor dp in the masked columns. ds may be dp.
	CausalSoftmaxBackward(ds, p, dp Tensor) error
}

// CheckCausalSoftmax checks the tensors of a causal softmax: the first is
// (n·T)×T for some n ≥ 1 and 1 ≤ T ≤ MaxAttentionContext, the others of
// its shape.
func CheckCausalSoftmax(op string, ts ...Tensor) error {
	for _, t := range ts {
		if t == nil {
			return fmt.Errorf("%s: a nil tensor: %w", op, ErrForeign)
		}
	}
	if len(ts) == 0 {
		return fmt.Errorf("%s: no scores: %w", op, ErrInvalidArgument)
	}
	s := ts[0].Shape()
	if s.Cols < 1 || s.Cols > MaxAttentionContext || s.Rows < 1 || s.Rows%s.Cols != 0 {
		return fmt.Errorf("%s: scores %v: want (n·T)×T with 1 ≤ T ≤ %d: %w", op, s, MaxAttentionContext, ErrShape)
	}
	for _, t := range ts[1:] {
		if t.Shape() != s {
			return fmt.Errorf("%s: %v and %v: want one shape: %w", op, s, t.Shape(), ErrShape)
		}
	}
	return nil
}

// CausalSoftmaxForward checks CausalSoftmaxer.CausalSoftmaxForward
// (CheckCausalSoftmax).
func (ck Checker) CausalSoftmaxForward(p, s Tensor) error {
	const op = "causal softmax forward"
	if err := ck.own(op, p, s); err != nil {
		return err
	}
	return CheckCausalSoftmax(op, s, p)
}

// CausalSoftmaxBackward checks CausalSoftmaxer.CausalSoftmaxBackward
// (CheckCausalSoftmax); ds may be dp but not p.
func (ck Checker) CausalSoftmaxBackward(ds, p, dp Tensor) error {
	const op = "causal softmax backward"
	if err := ck.own(op, ds, p, dp); err != nil {
		return err
	}
	if ds == p {
		return fmt.Errorf("%s: ds is p: %w", op, ErrAlias)
	}
	return CheckCausalSoftmax(op, p, ds, dp)
}

// CheckCausalSelfAttention checks the geometry of causal self-attention on
// a fused QKV tensor: batch sequences of T positions, qkv (batch·T)×3C with
// C a multiple of heads, T at most MaxAttentionContext and the head size
// C/heads at most MaxBatchedK.
func CheckCausalSelfAttention(op string, qkv Shape, batch, T, heads int) error {
	if batch < 1 || T < 1 || heads < 1 {
		return fmt.Errorf("%s: %d sequences of %d positions, %d heads: want each ≥ 1: %w", op, batch, T, heads, ErrInvalidArgument)
	}
	if T > MaxAttentionContext {
		return fmt.Errorf("%s: context %d: at most %d (the scores are materialised, batch·heads·T² floats): %w", op, T, MaxAttentionContext, ErrInvalidArgument)
	}
	if qkv.Rows != batch*T || qkv.Cols%(3*heads) != 0 || qkv.Cols == 0 {
		return fmt.Errorf("%s: qkv %v for %d sequences of %d positions and %d heads: want %d×3C with C a multiple of %d: %w",
			op, qkv, batch, T, heads, batch*T, heads, ErrShape)
	}
	if hs := qkv.Cols / (3 * heads); hs > MaxBatchedK {
		return fmt.Errorf("%s: head size %d: at most %d: %w", op, hs, MaxBatchedK, ErrInvalidArgument)
	}
	return nil
}
