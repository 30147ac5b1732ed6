package backend

import "fmt"

// Images travel as rows: a batch of n images of C channels of H×W pixels is
// an n×(C·H·W) tensor, each row one image in channel-major order (NCHW,
// row-major), so the contract keeps its 2-D tensors with rows = batch. The
// operations below take the geometry the rows do not carry.

// Conv2D is the geometry of a 2-D convolution (PyTorch's Conv2d without
// dilation or groups): C input channels of H×W, K filters of C×KH×KW, the
// same Stride and zero padding Pad along both axes. Outputs are K channels of
// OutH()×OutW().
type Conv2D struct {
	C, H, W     int
	K, KH, KW   int
	Stride, Pad int
}

// OutH is the output height, (H + 2·Pad − KH)/Stride + 1.
func (g Conv2D) OutH() int { return (g.H+2*g.Pad-g.KH)/g.Stride + 1 }

// OutW is the output width, (W + 2·Pad − KW)/Stride + 1.
func (g Conv2D) OutW() int { return (g.W+2*g.Pad-g.KW)/g.Stride + 1 }

// In is the width of an input row, C·H·W.
func (g Conv2D) In() int { return g.C * g.H * g.W }

// Out is the width of an output row, K·OutH·OutW.
func (g Conv2D) Out() int { return g.K * g.OutH() * g.OutW() }

// Patch is the width of a filter row, C·KH·KW: the weights are a K×Patch
// tensor, PyTorch's (K, C, KH, KW) weight in row-major order.
func (g Conv2D) Patch() int { return g.C * g.KH * g.KW }

// maxGeometry bounds every size of a geometry, and maxPlane the products, so
// that no index overflows an int32 on a device; MaxWindow bounds a kernel's
// or a pooling window's KH·KW, the most terms a device invocation sums in a
// loop (llvmpipe cuts loops past 65,535 iterations).
const (
	maxGeometry = 1 << 16
	maxPlane    = maxElems // one image's patches must fit in a tensor
	MaxWindow   = 4096
)

// Check validates the geometry: every size at least 1 (Pad at least 0),
// the padded input at least as large as the kernel, and the sizes small
// enough for 32-bit indices. op names the caller.
func (g Conv2D) Check(op string) error {
	for _, v := range []int{g.C, g.H, g.W, g.K, g.KH, g.KW, g.Stride} {
		if v < 1 || v > maxGeometry {
			return fmt.Errorf("%s: geometry %v: sizes must be 1 to %d: %w", op, g, maxGeometry, ErrInvalidArgument)
		}
	}
	switch {
	case g.KH*g.KW > MaxWindow:
		return fmt.Errorf("%s: a %d×%d kernel: at most %d elements: %w", op, g.KH, g.KW, MaxWindow, ErrInvalidArgument)
	case g.Pad < 0 || g.Pad > maxGeometry:
		return fmt.Errorf("%s: geometry %v: padding must be 0 to %d: %w", op, g, maxGeometry, ErrInvalidArgument)
	case g.H+2*g.Pad < g.KH || g.W+2*g.Pad < g.KW:
		return fmt.Errorf("%s: a %d×%d kernel is larger than the %d×%d input padded by %d: %w", op, g.KH, g.KW, g.H, g.W, g.Pad, ErrShape)
	case int64(g.C)*int64(g.H)*int64(g.W) > maxPlane || int64(g.K)*int64(g.OutH())*int64(g.OutW()) > maxPlane ||
		int64(g.Patch())*int64(g.OutH())*int64(g.OutW()) > maxPlane || int64(g.K)*int64(g.Patch()) > maxPlane:
		return fmt.Errorf("%s: geometry %v is too large: %w", op, g, ErrInvalidArgument)
	}
	return nil
}

// String formats the geometry as "C×H×W ⊛ K×C×KH×KW /S +P".
func (g Conv2D) String() string {
	return fmt.Sprintf("%d×%d×%d ⊛ %d×%d×%d×%d /%d +%d", g.C, g.H, g.W, g.K, g.C, g.KH, g.KW, g.Stride, g.Pad)
}

// Pool2D is the geometry of a 2-D max pooling (PyTorch's MaxPool2d without
// padding or dilation): C channels of H×W, windows of KH×KW moved by Stride.
type Pool2D struct {
	C, H, W int
	KH, KW  int
	Stride  int
}

// OutH is the output height, (H − KH)/Stride + 1.
func (p Pool2D) OutH() int { return (p.H-p.KH)/p.Stride + 1 }

// OutW is the output width, (W − KW)/Stride + 1.
func (p Pool2D) OutW() int { return (p.W-p.KW)/p.Stride + 1 }

// In is the width of an input row, C·H·W.
func (p Pool2D) In() int { return p.C * p.H * p.W }

// Out is the width of an output row, C·OutH·OutW.
func (p Pool2D) Out() int { return p.C * p.OutH() * p.OutW() }

// Check validates the geometry, as Conv2D.Check does.
func (p Pool2D) Check(op string) error {
	for _, v := range []int{p.C, p.H, p.W, p.KH, p.KW, p.Stride} {
		if v < 1 || v > maxGeometry {
			return fmt.Errorf("%s: geometry %v: sizes must be 1 to %d: %w", op, p, maxGeometry, ErrInvalidArgument)
		}
	}
	switch {
	case p.KH*p.KW > MaxWindow:
		return fmt.Errorf("%s: a %d×%d window: at most %d elements: %w", op, p.KH, p.KW, MaxWindow, ErrInvalidArgument)
	case p.H < p.KH || p.W < p.KW:
		return fmt.Errorf("%s: a %d×%d window is larger than the %d×%d input: %w", op, p.KH, p.KW, p.H, p.W, ErrShape)
	case int64(p.C)*int64(p.H)*int64(p.W) > maxPlane:
		return fmt.Errorf("%s: geometry %v is too large: %w", op, p, ErrInvalidArgument)
	}
	return nil
}

// String formats the geometry as "C×H×W max KH×KW /S".
func (p Pool2D) String() string {
	return fmt.Sprintf("%d×%d×%d max %d×%d /%d", p.C, p.H, p.W, p.KH, p.KW, p.Stride)
}

// Convolver computes convolutions and max pooling on image rows, and their
// gradients: the layers of a convolutional network.
type Convolver interface {
	// Conv2DForward sets, for each image n, filter k and output pixel
	// (oy, ox),
	//	y[n,k,oy,ox] = b[k] + Σ_{c,i,j} w[k,c,i,j]·x[n,c,oy·S+i−P,ox·S+j−P]
	// with x zero outside the image. x is n×In, w is K×Patch, b is 1×K and
	// y is n×Out.
	Conv2DForward(g Conv2D, y, x, w, b Tensor) error
	// Conv2DBackwardData sets dx (n×In) to the gradient with respect to x
	// of the loss whose gradient with respect to y is dy (n×Out):
	//	dx[n,c,h,v] = Σ_{k,i,j : h = oy·S+i−P, v = ox·S+j−P} w[k,c,i,j]·dy[n,k,oy,ox]
	Conv2DBackwardData(g Conv2D, dx, dy, w Tensor) error
	// Conv2DBackwardFilter sets dw (K×Patch) and db (1×K):
	//	dw[k,c,i,j] = Σ_{n,oy,ox} dy[n,k,oy,ox]·x[n,c,oy·S+i−P,ox·S+j−P]
	//	db[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]
	Conv2DBackwardFilter(g Conv2D, dw, db, x, dy Tensor) error
	// MaxPool2DForward sets y (n×Out) to the maximum of each window of x
	// (n×In) and arg (n×Out) to its position in the window, i·KW + j, as a
	// float. The first maximum in row-major window order wins a tie; a
	// window holding NaN gives NaN, at its first NaN (as PyTorch).
	MaxPool2DForward(p Pool2D, y, arg, x Tensor) error
	// MaxPool2DBackward sets dx (n×In): each input element receives the sum
	// of dy over the windows whose maximum it is (arg), zero elsewhere.
	MaxPool2DBackward(p Pool2D, dx, arg, dy Tensor) error
}

// CheckConv2D checks the tensors of a convolution against its geometry:
// x is n×In, w is K×Patch, b (when not nil) is 1×K and y is n×Out. Any
// of them may be nil (an argument the caller has not).
func CheckConv2D(op string, g Conv2D, x, w, b, y Tensor) error {
	if err := g.Check(op); err != nil {
		return err
	}
	n := -1
	for _, t := range []struct {
		what string
		t    Tensor
		cols int
		rows int // 0: the batch
	}{{"input", x, g.In(), 0}, {"weight", w, g.Patch(), g.K}, {"bias", b, g.K, 1}, {"output", y, g.Out(), 0}} {
		if t.t == nil {
			continue
		}
		s := t.t.Shape()
		switch {
		case s.Cols != t.cols || (t.rows > 0 && s.Rows != t.rows):
			want := fmt.Sprintf("n×%d", t.cols)
			if t.rows > 0 {
				want = Shape{Rows: t.rows, Cols: t.cols}.String()
			}
			return fmt.Errorf("%s: %s %v for %v: want %s: %w", op, t.what, s, g, want, ErrShape)
		case t.rows == 0 && n >= 0 && s.Rows != n:
			return fmt.Errorf("%s: %s has %d rows, the batch %d: %w", op, t.what, s.Rows, n, ErrShape)
		case t.rows == 0:
			n = s.Rows
		}
	}
	return nil
}

// CheckPool2D checks the tensors of a max pooling: x is n×In; y and arg are
// n×Out. Any may be nil.
func CheckPool2D(op string, p Pool2D, x, y, arg Tensor) error {
	if err := p.Check(op); err != nil {
		return err
	}
	n := -1
	for _, t := range []struct {
		what string
		t    Tensor
		cols int
	}{{"input", x, p.In()}, {"output", y, p.Out()}, {"argmax", arg, p.Out()}} {
		if t.t == nil {
			continue
		}
		s := t.t.Shape()
		switch {
		case s.Cols != t.cols:
			return fmt.Errorf("%s: %s %v for %v: want n×%d: %w", op, t.what, s, p, t.cols, ErrShape)
		case n >= 0 && s.Rows != n:
			return fmt.Errorf("%s: %s has %d rows, the batch %d: %w", op, t.what, s.Rows, n, ErrShape)
		}
		n = s.Rows
	}
	return nil
}
