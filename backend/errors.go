package backend

import "errors"

// The error vocabulary of the contract. Implementations wrap these with the
// operation and the values involved, so callers can test with errors.Is.
var (
	// ErrShape reports tensors whose shapes do not fit the operation.
	ErrShape = errors.New("shape mismatch")
	// ErrAlias reports an output tensor that is also an input where the
	// operation forbids it (MatMul's C, a loss's gradient).
	ErrAlias = errors.New("output aliases an input")
	// ErrReleased reports a tensor used after Release.
	ErrReleased = errors.New("tensor used after release")
	// ErrForeign reports a tensor created by another backend, or nil.
	ErrForeign = errors.New("tensor does not belong to this backend")
	// ErrClosed reports a call on a backend after Close.
	ErrClosed = errors.New("backend is closed")
	// ErrDeviceLost reports a device that stopped answering or failed
	// (a GL error, a lost context).
	ErrDeviceLost = errors.New("device lost")
	// ErrOutOfMemory reports an allocation the device or host cannot hold:
	// GL_OUT_OF_MEMORY on GL; on the CPU, a tensor larger than the memory
	// the host has left (MemAvailable, the cgroup's limit, RLIMIT_AS),
	// checked before allocating, where Go would end the process.
	ErrOutOfMemory = errors.New("out of memory")
	// ErrInvalidArgument reports a scalar argument out of its domain
	// (a negative learning rate, a step count below one).
	ErrInvalidArgument = errors.New("invalid argument")
)

// ErrUnsupported is errors.ErrUnsupported, returned by a backend that does not
// implement an optional operation.
var ErrUnsupported = errors.ErrUnsupported
