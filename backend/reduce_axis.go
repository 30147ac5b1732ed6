package backend

// Axis says which way an AxisReducer reduces an m×n tensor.
type Axis uint8

const (
	// AlongRows reduces each row: m×n → m×1.
	AlongRows Axis = iota
	// AlongCols reduces each column: m×n → 1×n.
	AlongCols
)

func (a Axis) String() string {
	if a == AlongCols {
		return "along columns"
	}
	return "along rows"
}

// Reduced returns the shape of s reduced along a: m×1 or 1×n.
func (a Axis) Reduced(s Shape) Shape {
	if a == AlongCols {
		return Shape{Rows: 1, Cols: s.Cols}
	}
	return Shape{Rows: s.Rows, Cols: 1}
}

// length is the number of elements each reduction of s along a takes.
func (a Axis) length(s Shape) int {
	if a == AlongCols {
		return s.Rows
	}
	return s.Cols
}

// MaxArgLen is the longest row or column ReduceMax takes: its indices are
// float32s, exact integers up to 2^24.
const MaxArgLen = 1 << 24

// AxisReducer reduces a tensor along its rows or its columns: the sums,
// means and maxima of an autograd graph's SumRows, MeanCols, MaxRows and
// friends, and their gradients. It is optional, found by type assertion in
// the manner of io/fs; a graph on a backend without it reports
// ErrUnsupported.
//
// With x m×n and r ranging over the reductions (the m rows, or the n
// columns), x_r is row or column r, and dst and arg are m×1 or 1×n
// (Axis.Reduced). Every implementation adds in a fixed order for a given
// shape, so the same inputs give the same bits on every run. Sums follow
// IEEE arithmetic (a NaN makes the sum NaN, +Inf + −Inf is NaN). The maximum
// is PyTorch's torch.max(x, dim): a NaN is larger than every number, and
// arg is the index of the first maximum (the first NaN when there is one).
//
// The calls return ErrShape for shapes that do not fit, ReduceMax an
// ErrShape also for a reduction longer than MaxArgLen, ErrAlias for an
// output that is also an input, and ErrForeign for a nil tensor or another
// backend's (arg may be nil in ReduceBackward).
type AxisReducer interface {
	// ReduceSum sets dst[r] = scale·Σ_k x_r[k] (scale 1/len for a mean).
	ReduceSum(a Axis, scale float32, dst, x Tensor) error
	// ReduceMax sets dst[r] = max_k x_r[k] and arg[r] = the first k that
	// attains it.
	ReduceMax(a Axis, dst, arg, x Tensor) error
	// ReduceBackward spreads dy (the reduced shape) over dx (m×n), the
	// gradient of ReduceSum when arg is nil and of ReduceMax else:
	//
	//	dx_r[k] = scale·dy[r]                     (arg nil)
	//	dx_r[k] = dy[r] if k = arg[r], else 0     (scale unused)
	ReduceBackward(a Axis, scale float32, dx, dy, arg Tensor) error
}

// LogSoftmaxer computes the logarithm of each row's softmax and its
// gradient, stably: optional, as AxisReducer is. x, y, dy and dx are m×n:
//
//	y[i,j]  = x[i,j] − mx − log Σ_k exp(x[i,k] − mx),  mx = max_k x[i,k]
//	dx[i,j] = dy[i,j] − exp(y[i,j])·Σ_k dy[i,k]
//
// as PyTorch's torch.log_softmax(x, 1) and its backward. The maximum is
// ReduceMax's (NaN is the largest), so a row holding NaN, +Inf, or only
// −Inf is NaN throughout, and −Inf in a row with a finite maximum gives
// −Inf there. The errors are Softmaxer's.
type LogSoftmaxer interface {
	// LogSoftmaxForward sets dst to the row-wise log-softmax of x.
	LogSoftmaxForward(dst, x Tensor) error
	// LogSoftmaxBackward sets dx = dy − exp(y)·rowsum(dy), y the forward's output.
	LogSoftmaxBackward(dx, y, dy Tensor) error
}
