package backend

import "fmt"

// AvgPooler is the optional interface of a backend that averages windows
// of image rows (PyTorch's AvgPool2d without padding, and global average
// pooling as a window of the whole image). Find it by a type assertion.
type AvgPooler interface {
	// AvgPool2DForward sets y (n×Out) to the mean of each KH×KW window
	// of x (n×In), moved by Stride:
	//	y[n,c,oy,ox] = Σ_{i<KH, j<KW} x[n,c,oy·S+i,ox·S+j] / (KH·KW)
	AvgPool2DForward(p Pool2D, y, x Tensor) error
	// AvgPool2DBackward sets dx (n×In) to the gradient of the mean:
	//	dx[n,c,h,v] = Σ_{oy,ox : window (oy,ox) holds (h,v)} dy[n,c,oy,ox] / (KH·KW)
	// summed over the windows in row-major order.
	AvgPool2DBackward(p Pool2D, dx, dy Tensor) error
}

// GlobalPool2D is the geometry that averages each whole H×W plane of C
// channels, torch.nn.AdaptiveAvgPool2d(1): one window of H×W.
func GlobalPool2D(c, h, w int) Pool2D { return Pool2D{C: c, H: h, W: w, KH: h, KW: w, Stride: 1} }

// CheckAvgPool2D checks the tensors of an average pooling: x is n×In and y
// is n×Out (either may be nil), and y is not x.
func CheckAvgPool2D(op string, p Pool2D, x, y Tensor) error {
	if err := CheckPool2D(op, p, x, y, nil); err != nil {
		return err
	}
	if x != nil && x == y {
		return fmt.Errorf("%s: the output is the input: %w", op, ErrInvalidArgument)
	}
	return nil
}
