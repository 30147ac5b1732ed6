package backend

// Tensor is an opaque handle to a float32 matrix held by one backend.
type Tensor interface {
	// Shape is the tensor's size; it never changes.
	Shape() Shape
}

// Allocator creates tensors and moves their contents across the host boundary.
type Allocator interface {
	// New returns an uninitialised tensor of shape s, from the pool when a
	// released buffer of its size class is free.
	New(s Shape) (Tensor, error)
	// Upload copies src (row-major, len = rows·cols) into dst.
	Upload(dst Tensor, src []float32) error
	// Download copies src into dst (len = rows·cols), waiting for the work
	// queued before it. It is the only call that moves data to the host.
	Download(dst []float32, src Tensor) error
	// Release returns t's storage to the pool; t must not be used again.
	// Releasing nil or an already released tensor does nothing.
	Release(t Tensor) error
}

// MatMuler computes matrix products.
type MatMuler interface {
	// MatMul computes
	//	C = alpha·op(A)·op(B) + beta·C
	// where op(X) is X or Xᵀ as tA and tB say, op(A) is m×k, op(B) is k×n
	// and C is m×n. When beta is 0, C's prior contents are ignored (NaN
	// included). C must not be A or B.
	MatMul(tA, tB Transpose, alpha float32, a, b Tensor, beta float32, c Tensor) error
}

// Elementwise computes elementwise arithmetic on tensors of one shape.
type Elementwise interface {
	// Add sets dst = a + b.
	Add(dst, a, b Tensor) error
	// Sub sets dst = a − b.
	Sub(dst, a, b Tensor) error
	// Mul sets dst = a ⊙ b (the Hadamard product).
	Mul(dst, a, b Tensor) error
	// Scale sets dst = alpha·x.
	Scale(dst Tensor, alpha float32, x Tensor) error
	// Axpy sets y = alpha·x + y.
	Axpy(alpha float32, x, y Tensor) error
	// Fill sets every element of dst to value.
	Fill(dst Tensor, value float32) error
}

// Broadcaster expands rows and scalars across a matrix.
type Broadcaster interface {
	// AddBias sets dst[i,j] = x[i,j] + bias[0,j]; bias is 1×n. Its
	// gradient with respect to bias is ColSum of the upstream gradient.
	AddBias(dst, x, bias Tensor) error
	// Broadcast sets dst (m×n) from x of shape 1×1 (every element), 1×n
	// (every row) or m×1 (every column).
	Broadcast(dst, x Tensor) error
}

// Reducer computes the reductions that losses, gradients and metrics need.
// Reductions are deterministic: the same inputs give the same bits.
type Reducer interface {
	// Sum sets dst (1×1) to the sum of every element of x.
	Sum(dst, x Tensor) error
	// ColSum sets dst (1×n) to the column sums of x (m×n):
	//	dst[0,j] = Σ_i x[i,j]
	// the bias gradient of AddBias.
	ColSum(dst, x Tensor) error
	// Argmax sets dst (m×1) to the column index of each row's largest
	// element of x (m×n); ties go to the lowest index and NaN is never
	// the largest unless the whole row is NaN (then 0).
	Argmax(dst, x Tensor) error
	// CountCorrect sets dst (1×1) to the number of rows i for which
	// argmax(scores[i,:]) equals labels[i,0].
	CountCorrect(dst, scores, labels Tensor) error
}

// Activator applies the activation functions and their derivatives.
type Activator interface {
	// ActivationForward sets dst = f(x) elementwise.
	ActivationForward(f Activation, dst, x Tensor) error
	// ActivationBackward sets dx = dy ⊙ f'(x): the upstream gradient dy
	// times the local gradient. y = f(x) is passed too, since some
	// derivatives (sigmoid, tanh) are cheaper and exacter from it.
	ActivationBackward(f Activation, dx, x, y, dy Tensor) error
}

// Losser computes losses averaged over the batch, writing the loss into a 1×1
// tensor and, when the gradient tensor is not nil, the gradient of that loss
// with respect to the predictions in the same pass. Rows whose label is not a
// class index of the scores give a NaN loss, never a fault.
type Losser interface {
	// SoftmaxCrossEntropy computes, for logits (batch×classes) and
	// integer labels (batch×1),
	//	loss = 1/batch · Σ_i [log Σ_j exp(x_ij) − x_i,y_i]
	//	dlogits = (softmax(x) − onehot(y)) / batch
	// with a stable log-sum-exp.
	SoftmaxCrossEntropy(loss, dlogits, logits, labels Tensor) error
	// MeanSquaredError computes, over all m·n elements,
	//	loss = 1/(m·n) · Σ (pred − target)²
	//	dpred = 2·(pred − target) / (m·n)
	MeanSquaredError(loss, dpred, pred, target Tensor) error
	// SVMHinge computes the multiclass hinge loss of a linear classifier,
	//	loss = 1/batch · Σ_i Σ_{j≠y_i} max(0, s_ij − s_i,y_i + margin)
	// and its gradient with respect to the scores.
	SVMHinge(loss, dscores, scores, labels Tensor, margin float32) error
}

// Optimizer updates parameters in place with gradients, on the device.
type Optimizer interface {
	// SGDStep applies one step of stochastic gradient descent with optional
	// L2 weight decay, momentum and Nesterov momentum (PyTorch's
	// formulation). velocity may be nil when cfg.Momentum is 0.
	SGDStep(cfg SGD, param, grad, velocity Tensor) error
	// AdamStep applies step t (t ≥ 1) of Adam or AdamW with bias
	// correction; m and v are the first and second moment estimates.
	AdamStep(cfg Adam, t int, param, grad, m, v Tensor) error
}

// Indexer moves rows within the device: mini-batches out of a resident data
// set, values into a log, labels into one-hot targets.
type Indexer interface {
	// GatherRows sets dst[i,:] = src[index[i,0],:]; index is dst.rows×1.
	// Rows whose index is out of range are filled with NaN.
	GatherRows(dst, src, index Tensor) error
	// CopyRows sets dst[row+i,:] = src[i,:] for every row of src.
	CopyRows(dst Tensor, row int, src Tensor) error
	// OneHot sets dst[i,j] = 1 where j = labels[i,0], else 0. Rows whose
	// label is not a column index are filled with NaN.
	OneHot(dst, labels Tensor) error
}

// Backend is the whole contract: everything the computational graph needs
// from a device.
type Backend interface {
	// Name is the registry name: "cpu" or "gl".
	Name() string
	// Sync waits until every operation queued so far has finished and
	// reports any asynchronous failure.
	Sync() error
	// Close releases every resource of the backend. Tensors created by
	// it must not be used afterwards.
	Close() error

	Allocator
	MatMuler
	Elementwise
	Broadcaster
	Reducer
	Activator
	Losser
	Optimizer
	Indexer
}

// MemStats counts a backend's buffers: those handed out as live tensors,
// those idle in its pool, and the device allocations made since it opened.
type MemStats struct {
	LiveBuffers int   // buffers backing unreleased tensors
	LiveBytes   int64 // their capacity in bytes
	IdleBuffers int   // released buffers kept for reuse
	IdleBytes   int64 // their capacity in bytes
	Allocations int64 // device buffers ever allocated (not reuses)
}

// MemoryReporter is implemented by backends that pool their buffers.
type MemoryReporter interface {
	MemStats() MemStats
}

// DeviceInfo describes the device behind a backend.
type DeviceInfo struct {
	Vendor   string // GL_VENDOR, or the CPU vendor
	Renderer string // GL_RENDERER, or the CPU model
	Version  string // GL_VERSION, or the Go version for cpu
	Context  string // how the context was made (egl-device, glfw, …); "" for cpu
	Threads  int    // worker threads (cpu); 0 when not applicable
	Products string // what computes matrix products (cpu: "OpenBLAS 0.3.21 (openmp)", "gonum blas32"); "" for gl
	// Software reports a device emulated on the CPU: a GL context on a
	// software renderer (Mesa's llvmpipe, softpipe, swrast, or
	// SwiftShader). Training there is slower than on the cpu backend, so
	// OpenAuto and train's -backend=auto pass such a device over.
	Software bool
}

// Describer is implemented by backends that can say what they run on.
type Describer interface {
	Device() DeviceInfo
}
