package backend

// Optional capabilities that programs probe by type assertion, io/fs style:
// a backend implements those it can answer, and a caller that finds one
// missing falls back (the cpu backend implements none of these). The others
// are MemoryReporter and Describer (backend.go) and the fast paths beside
// their operations (Packer, LinearFuser, SoftmaxCrossEntropyCounter).

import "time"

// FreeMemoryReporter is implemented by backends with a memory of their own
// (a GPU's) that they may be able to measure. ok is false where the driver
// does not tell: the caller then has only the host's memory to go by, and
// should say so.
type FreeMemoryReporter interface {
	// AvailableMemory is the device's free memory in bytes.
	AvailableMemory() (bytes int64, ok bool)
}

// Warmer is implemented by backends that compile their kernels lazily.
// Warmup compiles them all now, so that no compilation lands inside a
// timed region, and returns the time compiling took.
type Warmer interface {
	Warmup() (time.Duration, error)
}

// ProgramCounter is implemented by backends that compile device programs.
type ProgramCounter interface {
	// Programs is the number of programs compiled since the backend opened.
	Programs() int
}

// ActivityCounter is implemented by backends that queue calls and dispatch
// kernels: the counts since the backend opened, once the calls queued so
// far have run. A benchmark divides their growth by its runs.
type ActivityCounter interface {
	Activity() (ops, dispatches uint64)
}
