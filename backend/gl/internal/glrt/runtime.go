package glrt

import "time"

// Runtime is everything backend/gl's op code needs from a GPU API: compiled
// kernels, float32 storage buffers, ordered dispatches, host transfers,
// errors and timers. Device is the OpenGL 4.3 runtime; a second API
// (Vulkan from the same GLSL compiled to SPIR-V, say) would be a second
// Runtime, not a second backend. The package doc states the contract.
//
// Every method but NewBuffer runs on the one thread that owns the device
// (backend/gl's GL thread) and none is safe for concurrent use.
type Runtime interface {
	// Program returns the kernel name, a shader file of the sources or a
	// Variant of one, compiling it on first use and caching it after. A
	// failure to compile or link is a *CompileError.
	Program(name string) (*Program, error)
	// NewBuffer returns a buffer of elems float32 elements whose storage
	// is made on the device by its first use (Dispatch, Upload,
	// Download), whose error is then the allocation's. It makes no device
	// call and touches no runtime state, so any goroutine may call it.
	NewBuffer(elems int) Buffer
	// DeleteBuffer frees b's storage; b must not be used again.
	DeleteBuffer(b Buffer)
	// Upload writes src into b from element offset on, ordered after the
	// dispatches issued before it.
	Upload(b Buffer, offset int, src []float32) error
	// Download reads b from element offset into dst once the dispatches
	// issued before it have written b.
	Download(dst []float32, b Buffer, offset int) error
	// Dispatch runs p over gx×gy×gz work groups of WorkGroup invocations
	// (1-D kernels; at most MaxGroups per dimension) with args on binding
	// points 0, 1, …, after every earlier dispatch whose writes it reads
	// or whose accesses it overwrites.
	Dispatch(p *Program, gx, gy, gz int, args Args) error
	// Finish waits until every issued command has completed and returns
	// the pending device errors, as Check("sync") does.
	Finish() error
	// TimeElapsed runs f, which issues work, and returns the device time
	// that work took. It waits for the device.
	TimeElapsed(f func() error) (time.Duration, error)
	// Check returns the device errors pending since the last Check, or
	// nil, naming op (what was being attempted); it asks the device.
	Check(op string) error
	// TakePending returns and clears the first error that a debug build
	// recorded after a device call (build tag gltraindebug), naming the
	// call; it makes no device call and is nil in release builds. The
	// command stream calls it after every command.
	TakePending() error
	// Limits are the device's compute limits, read when it was made.
	Limits() Limits
	// Stats counts the runtime's work so far.
	Stats() Stats
	// FreeMemory returns the device's free memory in bytes where the
	// driver tells it, and ok = false otherwise.
	FreeMemory() (bytes int64, ok bool)
	// Release deletes every program and the runtime's own buffers;
	// buffers from NewBuffer are the caller's to delete.
	Release()
}

// Program is a compiled kernel as the op code holds it: its name and the
// runtime's compiled form, which sets its uniforms.
type Program struct {
	name string
	k    Kernel
}

// Kernel is a runtime's compiled program, the half of a Program that the
// runtime made. Setting a uniform to the value it holds should cost
// nothing; a name the kernel does not use is ignored. Values stay until
// set again: a dispatch uses those current when it is issued.
type Kernel interface {
	SetInt(name string, v int)
	SetFloat(name string, v float32)
}

// NewProgram returns the Program name compiled by a runtime as k.
func NewProgram(name string, k Kernel) *Program { return &Program{name: name, k: k} }

// Name is the shader file the program was built from, or its Variant.
func (p *Program) Name() string { return p.name }

// Kernel is the runtime's compiled program.
func (p *Program) Kernel() Kernel { return p.k }

// SetInt sets an int uniform.
func (p *Program) SetInt(name string, v int) { p.k.SetInt(name, v) }

// SetFloat sets a float uniform.
func (p *Program) SetFloat(name string, v float32) { p.k.SetFloat(name, v) }

// Buffer is a runtime's storage buffer of float32 elements, made by its
// NewBuffer; it carries what the runtime needs to order the dispatches
// that use it.
type Buffer interface {
	// Elems is the buffer's capacity in float32 elements.
	Elems() int
}

// Args are a dispatch's buffers on binding points 0, 1, …: the leading
// entries that hold a buffer; the rest are ignored. An array, not a slice,
// so that passing it through the Runtime interface allocates nothing.
type Args [maxBindings]Arg

// Stats counts a runtime's work since it was made.
type Stats struct {
	Dispatches  uint64        // kernels dispatched
	Barriers    uint64        // barriers issued between dependent dispatches
	Staging     uint64        // staging buffers made for uploads into busy buffers
	Allocated   uint64        // buffers made on the device
	Programs    int           // programs compiled
	CompileTime time.Duration // time spent compiling them
}
