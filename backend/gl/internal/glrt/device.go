package glrt

import (
	"io/fs"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// The 1-D work-group size of the kernels (WG in common.glsl) and the
// dispatch size GL guarantees in each dimension.
const (
	WorkGroup = 256
	MaxGroups = 65535
)

// Groups is the 1-D dispatch for n elements: kernels loop over any
// elements beyond MaxGroups·WorkGroup.
func Groups(n int) int { return max(1, min((n+WorkGroup-1)/WorkGroup, MaxGroups)) }

// Cap limits a dispatch dimension to MaxGroups; kernels dispatched with a
// capped size loop over the rest.
func Cap(groups int) int { return max(1, min(groups, MaxGroups)) }

// maxBindings is the number of SSBO binding points a kernel may use; GL 4.3
// guarantees 8 to compute shaders.
const maxBindings = 8

// Device is the OpenGL 4.3 Runtime: it issues GL work on the current
// context.
type Device struct {
	src      fs.FS
	programs map[string]*Program
	defines  map[string]string // Options.Defines
	limits   Limits            // read at start
	// compileTime is the time spent compiling and linking so far.
	compileTime time.Duration

	current uint32               // program in use
	bound   [maxBindings]binding // buffers on the SSBO binding points

	dispatches    uint64 // dispatches issued; each is numbered by this count
	ssboBarrierAt uint64 // dispatches ≤ this are ordered before later ones
	syncedAt      uint64 // dispatches ≤ this have completed (glFinish)
	// barriers counts the shader-storage barriers issued; staged the
	// staging buffers allocated for uploads into busy buffers; allocated
	// the buffers made on the device.
	barriers, staged, allocated uint64

	inflight    []*buffer // staging buffers whose copies may be queued
	idleStaging []*buffer // staging buffers free for the next upload

	opts Options

	// pending is the first GL error of a call since TakePending, in
	// debug builds (see debug_on.go).
	pending error
}

// Limits are the context's compute limits that kernels are sized by.
type Limits struct {
	SharedBytes int // GL_MAX_COMPUTE_SHARED_MEMORY_SIZE (48 KB on NVIDIA)
	Invocations int // GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS
	GroupsZ     int // GL_MAX_COMPUTE_WORK_GROUP_COUNT's z
}

// ReadLimits queries the context's compute limits.
func ReadLimits() Limits {
	var shared, inv, z int32
	gl.GetIntegerv(gl.MAX_COMPUTE_SHARED_MEMORY_SIZE, &shared)
	gl.GetIntegerv(gl.MAX_COMPUTE_WORK_GROUP_INVOCATIONS, &inv)
	gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, 2, &z)
	return Limits{SharedBytes: int(shared), Invocations: int(inv), GroupsZ: int(z)}
}

var _ Runtime = (*Device)(nil)

// Options configure a Device.
type Options struct {
	// Defines are prepended to every shader as #define lines (tile sizes,
	// say).
	Defines map[string]string
	// Diagnostics, for telling a synchronisation bug from a kernel bug:
	// AllBarriers issues glMemoryBarrier(GL_ALL_BARRIER_BITS) before every
	// dispatch; FinishEach waits for each dispatch.
	AllBarriers, FinishEach bool
}

// NewDevice returns a device compiling shaders from src (which must hold
// CommonFile). The context must be current.
func NewDevice(src fs.FS, o Options) *Device {
	return &Device{src: src, programs: map[string]*Program{}, defines: o.Defines, limits: ReadLimits(), opts: o}
}

// Limits are the context's compute limits, read when d was made.
func (d *Device) Limits() Limits { return d.limits }

// Stats counts d's work so far.
func (d *Device) Stats() Stats {
	return Stats{Dispatches: d.dispatches, Barriers: d.barriers, Staging: d.staged, Allocated: d.allocated,
		Programs: len(d.programs), CompileTime: d.compileTime}
}

// TimeElapsed runs f, which issues GL work, inside a GL_TIME_ELAPSED query
// and returns the device time that work took. It waits for the device.
func (d *Device) TimeElapsed(f func() error) (time.Duration, error) {
	var q uint32
	gl.GenQueries(1, &q)
	d.after("glGenQueries")
	defer gl.DeleteQueries(1, &q)
	gl.BeginQuery(gl.TIME_ELAPSED, q)
	d.after("glBeginQuery")
	err := f()
	gl.EndQuery(gl.TIME_ELAPSED)
	d.after("glEndQuery")
	if err != nil {
		return 0, err
	}
	var ns uint64
	gl.GetQueryObjectui64v(q, gl.QUERY_RESULT, &ns)
	d.after("glGetQueryObjectui64v")
	if err := d.Check("time elapsed"); err != nil {
		return 0, err
	}
	return time.Duration(ns), nil
}

// Arg is a buffer bound to a kernel: binding point i is the i-th Arg. With
// Len > 0 only the range of Len elements from element Off is bound
// (glBindBufferRange), so the kernel sees it as its whole array; Off must
// be a multiple of the offset alignment (backend.PackAlign is).
type Arg struct {
	B           Buffer
	Off, Len    int
	Read, Write bool
}

// In is a buffer the kernel reads.
func In(b Buffer) Arg { return Arg{B: b, Read: true} }

// Out is a buffer the kernel writes.
func Out(b Buffer) Arg { return Arg{B: b, Write: true} }

// InOut is a buffer the kernel reads and writes.
func InOut(b Buffer) Arg { return Arg{B: b, Read: true, Write: true} }

// Range restricts a to n elements from element off.
func (a Arg) Range(off, n int) Arg {
	a.Off, a.Len = off, n
	return a
}

// binding is what a binding point holds, so that rebinding the same range
// is skipped.
type binding struct {
	id       uint32
	off, len int
}

// Dispatch runs p over gx×gy×gz work groups with args on binding points 0,
// 1, …, preceded by a shader-storage barrier when an argument depends on an
// earlier dispatch (see the package doc). Buffers not yet made on the device
// are made first; the error is that allocation's.
func (d *Device) Dispatch(p *Program, gx, gy, gz int, args Args) error {
	return d.dispatch(p, gx, gy, gz, &args)
}

// dispatch is Dispatch with args by reference.
func (d *Device) dispatch(prog *Program, gx, gy, gz int, all *Args) error {
	p := prog.k.(*program)
	n := 0
	for n < len(all) && all[n].B != nil {
		n++
	}
	args := all[:n]
	barrier := false
	for _, a := range args {
		b := a.B.(*buffer)
		if err := d.ensure(b); err != nil {
			return err
		}
		if (a.Read && b.written > d.ssboBarrierAt) || (a.Write && (b.written > d.ssboBarrierAt || b.read > d.ssboBarrierAt)) {
			barrier = true
		}
	}
	if d.opts.AllBarriers {
		gl.MemoryBarrier(gl.ALL_BARRIER_BITS)
		d.after("glMemoryBarrier")
	} else if barrier {
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT)
		d.after("glMemoryBarrier")
		d.ssboBarrierAt = d.dispatches
		d.barriers++
	}
	if d.current != p.id {
		gl.UseProgram(p.id)
		d.after("glUseProgram")
		d.current = p.id
	}
	for i, a := range args {
		id := a.B.(*buffer).id
		want := binding{id, a.Off, a.Len}
		if d.bound[i] == want {
			continue
		}
		if a.Len > 0 {
			gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(i), id, a.Off*4, a.Len*4)
			d.after("glBindBufferRange")
		} else {
			gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(i), id)
			d.after("glBindBufferBase")
		}
		d.bound[i] = want
	}
	gl.DispatchCompute(uint32(gx), uint32(gy), uint32(gz))
	d.after("glDispatchCompute")
	if d.opts.FinishEach {
		d.finish()
	}
	d.dispatches++
	for _, a := range args {
		b := a.B.(*buffer)
		if a.Write {
			b.written = d.dispatches
		}
		if a.Read {
			b.read = d.dispatches
		}
	}
	return nil
}

// Release deletes every program and staging buffer; other buffers are the
// caller's to delete.
func (d *Device) Release() {
	for _, st := range append(d.inflight, d.idleStaging...) {
		d.DeleteBuffer(st)
	}
	d.inflight, d.idleStaging = nil, nil
	d.deletePrograms()
	gl.UseProgram(0)
	d.after("glUseProgram")
	d.current = 0
}

// Extensions of GL_NVX_gpu_memory_info and GL_ATI_meminfo (not in go-gl's
// core profile): free video memory in KiB.
const (
	gpuMemoryCurrentAvailableNVX = 0x9049
	vboFreeMemoryATI             = 0x87FB
)

// FreeMemory returns the device's free memory in bytes where the driver
// tells it (NVIDIA's GL_NVX_gpu_memory_info, AMD's GL_ATI_meminfo), and
// ok = false otherwise (Mesa's llvmpipe, Intel).
func (d *Device) FreeMemory() (bytes int64, ok bool) {
	var n int32
	gl.GetIntegerv(gl.NUM_EXTENSIONS, &n)
	has := map[string]bool{}
	for i := range uint32(n) {
		has[gl.GoStr(gl.GetStringi(gl.EXTENSIONS, i))] = true
	}
	var kib [4]int32
	switch {
	case has["GL_NVX_gpu_memory_info"]:
		gl.GetIntegerv(gpuMemoryCurrentAvailableNVX, &kib[0])
	case has["GL_ATI_meminfo"]:
		gl.GetIntegerv(vboFreeMemoryATI, &kib[0]) // four values; the first is the free pool
	default:
		return 0, false
	}
	if err := d.Check("free memory"); err != nil || kib[0] <= 0 {
		return 0, false
	}
	return int64(kib[0]) * 1024, true
}
