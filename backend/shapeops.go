package backend

// Shaper moves elements between tensors of different shapes: the
// transposes, reshapes, column slices and concatenations of an autograd
// graph, and their gradients. It is optional, found by type assertion in the
// manner of io/fs; a graph on a backend without it reports ErrUnsupported.
//
// Every call copies: Reshape gives a new tensor; Viewer.View is the
// reshape that shares x's storage instead. No call computes anything, so
// NaN and ±Inf move like any other bits.
//
// The calls return ErrShape for shapes that do not fit or columns out of
// range, ErrAlias when dst is also the input, and ErrForeign for a nil
// tensor or another backend's.
type Shaper interface {
	// Transpose sets dst (n×m) to the transpose of x (m×n): dst[j,i] = x[i,j].
	Transpose(dst, x Tensor) error
	// Reshape copies x into dst, which has as many elements in another
	// shape, in row-major order: dst's k-th element is x's k-th.
	Reshape(dst, x Tensor) error
	// CopyCols copies width columns of src from column srcCol into dst from
	// column dstCol; dst and src have as many rows, and the other columns
	// of dst are untouched:
	//
	//	dst[i, dstCol+j] = src[i, srcCol+j],  0 ≤ j < width
	CopyCols(dst Tensor, dstCol int, src Tensor, srcCol, width int) error
}
