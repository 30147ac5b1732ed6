package backend

import (
	"fmt"
	"math"
)

// BatchNormEps and BatchNormMomentum are PyTorch's defaults of
// torch.nn.BatchNorm1d and BatchNorm2d.
const (
	BatchNormEps      = 1e-5
	BatchNormMomentum = 0.1
)

// MaxBatchNormCount bounds the values a channel's sums are taken over
// (rows × HW) in training and in the evaluation backward: a GPU sums a
// channel in blocks of 4096 values, each invocation of a work group of 256
// taking at most 16, and then the at most 4096 blocks in one work group,
// 16 an invocation. The evaluation forward, elementwise, has no bound.
const MaxBatchNormCount = 1 << 24

// BatchNorm is the geometry of a batch normalisation: the rows of x hold C
// channels of HW values each (NCHW images, HW = H·W, for BatchNorm2d; HW = 1
// for BatchNorm1d on rows of C features). Channel c's values are
//
//	x[i, c·HW + s]   for every row i and 0 ≤ s < HW
//
// count = rows·HW of them.
type BatchNorm struct{ C, HW int }

// BatchNormer is the optional interface of a backend that normalises over
// the batch, PyTorch's BatchNorm1d and BatchNorm2d. Find it by a type
// assertion (io/fs style). x, y, dx and dy are rows×(C·HW); w, b, the
// running mean and variance, dw and db are 1×C; stats is 3×C.
type BatchNormer interface {
	// BatchNormForward normalises x with the statistics of the batch
	// (training mode): for each channel c, over its count = rows·HW values,
	//	μ_c = Σ x / count     σ²_c = Σ (x − μ_c)² / count     r_c = 1/√(σ²_c + eps)
	//	y = (x − μ_c)·r_c·w_c + b_c
	// and stats receives the rows (μ, σ², r). The variance is the biased one,
	// as PyTorch's normalisation uses. A channel holding NaN or ±Inf gives
	// NaN across the channel.
	BatchNormForward(p BatchNorm, eps float32, y, stats, x, w, b Tensor) error
	// BatchNormBackward sets, with x̂ = (x − μ_c)·r_c and the stats of
	// BatchNormForward,
	//	db_c = Σ dy     dw_c = Σ dy·x̂
	//	dx = w_c·r_c·(dy − db_c/count − x̂·dw_c/count)
	// the sums over the channel's values in a fixed order: the same bits on
	// every run.
	BatchNormBackward(p BatchNorm, dx, dw, db, dy, x, w, stats Tensor) error
	// BatchNormUpdate moves the running statistics towards those of a
	// batch of count values a channel (count ≥ 2), PyTorch's update with
	// the unbiased variance:
	//	mean_c = (1 − m)·mean_c + m·μ_c
	//	variance_c = (1 − m)·variance_c + m·σ²_c·count/(count − 1)
	BatchNormUpdate(momentum float32, count int, mean, variance, stats Tensor) error
	// BatchNormInference normalises x with the running statistics
	// (evaluation mode):
	//	y = (x − mean_c)/√(variance_c + eps)·w_c + b_c
	BatchNormInference(p BatchNorm, eps float32, y, x, w, b, mean, variance Tensor) error
	// BatchNormInferenceBackward is the gradient of BatchNormInference,
	// the statistics constants: with r_c = 1/√(variance_c + eps) and
	// x̂ = (x − mean_c)·r_c,
	//	db_c = Σ dy     dw_c = Σ dy·x̂     dx = dy·w_c·r_c
	// the sums in a fixed order.
	BatchNormInferenceBackward(p BatchNorm, eps float32, dx, dw, db, dy, x, w, mean, variance Tensor) error
}

// Check validates the geometry for inputs of width cols (0: any) and
// rows rows (0: any).
func (p BatchNorm) Check(op string, rows, cols int) error {
	switch {
	case p.C < 1 || p.HW < 1 || int64(p.C)*int64(p.HW) > math.MaxInt32:
		return fmt.Errorf("%s: %d channels of %d values: want both at least 1: %w", op, p.C, p.HW, ErrInvalidArgument)
	case cols != 0 && cols != p.C*p.HW:
		return fmt.Errorf("%s: input of %d columns for %d channels of %d values: %w", op, cols, p.C, p.HW, ErrShape)
	case int64(rows)*int64(p.HW) > MaxBatchNormCount:
		return fmt.Errorf("%s: %d rows of %d values a channel: at most %d values a channel: %w", op, rows, p.HW, MaxBatchNormCount, ErrInvalidArgument)
	}
	return nil
}

// CheckBatchNorm checks the tensors of a batch normalisation: x is
// rows×(C·HW) within MaxBatchNormCount, each of chans (w, b, running mean
// and variance, dw, db) is 1×C, stats (when not nil) 3×C, and each of ys
// (the output or, backward, dx and dy) has x's shape, the first not x. Any
// but x may be nil.
func CheckBatchNorm(op string, p BatchNorm, x, stats Tensor, chans []Tensor, ys ...Tensor) error {
	return checkBatchNorm(op, p, true, x, stats, chans, ys...)
}

// CheckBatchNormInference is CheckBatchNorm for the evaluation forward,
// which sums nothing: any number of rows.
func CheckBatchNormInference(op string, p BatchNorm, x Tensor, chans []Tensor, y Tensor) error {
	return checkBatchNorm(op, p, false, x, nil, chans, y)
}

func checkBatchNorm(op string, p BatchNorm, counted bool, x, stats Tensor, chans []Tensor, ys ...Tensor) error {
	if x == nil {
		return fmt.Errorf("%s: no input: %w", op, ErrInvalidArgument)
	}
	s := x.Shape()
	rows := s.Rows
	if !counted {
		rows = 0
	}
	if err := p.Check(op, rows, s.Cols); err != nil {
		return err
	}
	row := Shape{Rows: 1, Cols: p.C}
	for _, t := range chans {
		if t != nil && t.Shape() != row {
			return fmt.Errorf("%s: per-channel tensor %v for %d channels: want %v: %w", op, t.Shape(), p.C, row, ErrShape)
		}
	}
	if stats != nil && stats.Shape() != (Shape{Rows: 3, Cols: p.C}) {
		return fmt.Errorf("%s: stats %v for %d channels: want 3×%d: %w", op, stats.Shape(), p.C, p.C, ErrShape)
	}
	for i, t := range ys {
		switch {
		case t == nil:
		case t.Shape() != s:
			return fmt.Errorf("%s: %v for input %v: %w", op, t.Shape(), s, ErrShape)
		case i == 0 && t == x:
			return fmt.Errorf("%s: the output is the input: %w", op, ErrInvalidArgument)
		}
	}
	return nil
}

// checkEps refuses an eps that is negative, NaN or infinite.
func checkEps(op string, eps float32) error {
	if !(eps >= 0) || math.IsInf(float64(eps), 0) {
		return fmt.Errorf("%s: eps %g: want a finite eps ≥ 0: %w", op, eps, ErrInvalidArgument)
	}
	return nil
}

// BatchNormForward checks BatchNormer.BatchNormForward (CheckBatchNorm):
// eps finite and at least 0, stats not an input.
func (ck Checker) BatchNormForward(p BatchNorm, eps float32, y, stats, x, w, b Tensor) error {
	const op = "batchnorm forward"
	if err := ck.own(op, y, stats, x, w, b); err != nil {
		return err
	}
	if err := checkEps(op, eps); err != nil {
		return err
	}
	if err := CheckBatchNorm(op, p, x, stats, []Tensor{w, b}, y); err != nil {
		return err
	}
	if y == stats || stats == x || stats == w || stats == b || y == w || y == b {
		return fmt.Errorf("%s: an output is an input or the other output: %w", op, ErrInvalidArgument)
	}
	return nil
}

// BatchNormBackward checks BatchNormer.BatchNormBackward (CheckBatchNorm):
// the three outputs are distinct tensors and none is an input.
func (ck Checker) BatchNormBackward(p BatchNorm, dx, dw, db, dy, x, w, stats Tensor) error {
	const op = "batchnorm backward"
	if err := ck.own(op, dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	if err := CheckBatchNorm(op, p, x, stats, []Tensor{dw, db, w}, dx, dy); err != nil {
		return err
	}
	for _, o := range []Tensor{dw, db} {
		if o == w || o == stats {
			return fmt.Errorf("%s: an output is an input: %w", op, ErrInvalidArgument)
		}
	}
	if dx == dy || dw == db {
		return fmt.Errorf("%s: two outputs or an output and dy are one tensor: %w", op, ErrInvalidArgument)
	}
	return nil
}

// BatchNormUpdate checks BatchNormer.BatchNormUpdate: momentum in [0, 1],
// count ≥ 2 (the unbiased variance of one value is undefined; PyTorch
// refuses to train on it), mean and variance 1×C and distinct, stats 3×C.
func (ck Checker) BatchNormUpdate(momentum float32, count int, mean, variance, stats Tensor) error {
	const op = "batchnorm update"
	if err := ck.own(op, mean, variance, stats); err != nil {
		return err
	}
	switch {
	case !(momentum >= 0 && momentum <= 1):
		return fmt.Errorf("%s: momentum %g: want 0 ≤ momentum ≤ 1: %w", op, momentum, ErrInvalidArgument)
	case count < 2 || count > MaxBatchNormCount:
		return fmt.Errorf("%s: statistics of %d values a channel: want 2 to %d (PyTorch: expected more than 1 value per channel when training): %w", op, count, MaxBatchNormCount, ErrInvalidArgument)
	case mean == variance || mean == stats || variance == stats:
		return fmt.Errorf("%s: the running mean, variance and stats must be three tensors: %w", op, ErrInvalidArgument)
	}
	c := stats.Shape().Cols
	p := BatchNorm{C: c, HW: 1}
	if stats.Shape().Rows != 3 {
		return fmt.Errorf("%s: stats %v: want 3 rows: %w", op, stats.Shape(), ErrShape)
	}
	return CheckBatchNorm(op, p, stats, nil, []Tensor{mean, variance}) // stats stands in for x: any rows, C columns
}

// BatchNormInferenceBackward checks
// BatchNormer.BatchNormInferenceBackward (CheckBatchNorm): eps finite and
// at least 0, the three outputs distinct tensors, none an input.
func (ck Checker) BatchNormInferenceBackward(p BatchNorm, eps float32, dx, dw, db, dy, x, w, mean, variance Tensor) error {
	const op = "batchnorm inference backward"
	if err := ck.own(op, dx, dw, db, dy, x, w, mean, variance); err != nil {
		return err
	}
	if err := checkEps(op, eps); err != nil {
		return err
	}
	if err := CheckBatchNorm(op, p, x, nil, []Tensor{dw, db, w, mean, variance}, dx, dy); err != nil {
		return err
	}
	for _, o := range []Tensor{dw, db} {
		if o == w || o == mean || o == variance {
			return fmt.Errorf("%s: an output is an input: %w", op, ErrInvalidArgument)
		}
	}
	if dx == dy || dw == db {
		return fmt.Errorf("%s: two outputs or an output and dy are one tensor: %w", op, ErrInvalidArgument)
	}
	return nil
}

// BatchNormInference checks BatchNormer.BatchNormInference
// (CheckBatchNorm): eps finite and at least 0.
func (ck Checker) BatchNormInference(p BatchNorm, eps float32, y, x, w, b, mean, variance Tensor) error {
	const op = "batchnorm inference"
	if err := ck.own(op, y, x, w, b, mean, variance); err != nil {
		return err
	}
	if err := checkEps(op, eps); err != nil {
		return err
	}
	if err := CheckBatchNormInference(op, p, x, []Tensor{w, b, mean, variance}, y); err != nil {
		return err
	}
	if y == w || y == b || y == mean || y == variance {
		return fmt.Errorf("%s: the output is an input: %w", op, ErrInvalidArgument)
	}
	return nil
}
