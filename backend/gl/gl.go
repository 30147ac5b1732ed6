package gl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glctx"
	"gltrain/backend/gl/internal/glrt"
	"gltrain/backend/gl/internal/glthread"
	"gltrain/shaders"
)

var _ backend.Backend = (*Backend)(nil)
var _ backend.MemoryReporter = (*Backend)(nil)
var _ backend.Describer = (*Backend)(nil)

func init() {
	backend.Register("gl", func(options string) (backend.Backend, error) {
		o, err := ParseOptions(options)
		if err != nil {
			return nil, err
		}
		return New(o)
	})
}

// Options configure a GL backend.
type Options struct {
	// Context chooses how to make the context: "auto" (or ""), "egl",
	// "egl-device", "egl-surfaceless", "egl-default" or "glfw". Empty
	// takes $GLTRAIN_GL_CONTEXT, then auto.
	Context string
	// Device picks the EGL device for egl-device, counting from 0 as EGL
	// lists them and as the registry option device=N does: new(1) is
	// "gl:device=1". nil takes the first device that gives a context.
	Device *int
	// Warmup compiles every kernel before New returns.
	Warmup bool
	// Major and Minor are the least OpenGL version accepted; 0 means 4.3.
	Major, Minor int
	// Shaders replaces the embedded shader sources (tests of compile
	// errors use it); nil means shaders.FS.
	Shaders fs.FS
}

// ParseOptions reads the registry options: comma-separated words, each a
// context path (see Options.Context), "warmup", or "device=N". One context
// path at most may be given; device=N picks an EGL device, so it implies
// egl-device and conflicts with any other path. N is below 16, the most
// devices the context code enumerates.
func ParseOptions(s string) (Options, error) {
	var o Options
	var paths []string
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		switch {
		case w == "":
		case w == "warmup":
			o.Warmup = true
		case strings.HasPrefix(w, "device="):
			n, err := strconv.Atoi(strings.TrimPrefix(w, "device="))
			if err != nil || n < 0 || n >= maxEGLDevices {
				return o, fmt.Errorf("gl options: %q: want device=N with 0 ≤ N < %d", w, maxEGLDevices)
			}
			o.Device = &n
		default:
			if _, err := glctx.ParsePaths(w); err != nil {
				return o, fmt.Errorf("gl options: %w", err)
			}
			paths = append(paths, w)
			o.Context = w
		}
	}
	if len(paths) > 1 {
		return o, fmt.Errorf("gl options: %s: give one context path (auto and egl try several in turn)", strings.Join(paths, ", "))
	}
	if o.Device != nil {
		switch o.Context {
		case "", string(glctx.EGLDevice):
			o.Context = string(glctx.EGLDevice) // not another path when the device fails
		default:
			return o, fmt.Errorf("gl options: device=%d picks an EGL device, which the %s path does not use (drop it, or use egl-device)", *o.Device, o.Context)
		}
	}
	return o, nil
}

// maxEGLDevices is how many EGL devices the context code enumerates.
const maxEGLDevices = 16

// ContextError is the error of New when no path gave a context: it lists
// each path tried and why it failed.
type ContextError = glctx.Error

// Backend is the OpenGL compute-shader backend.
type Backend struct {
	src    fs.FS // the shader sources
	thread *glthread.Thread
	ctx    *glctx.Context
	dev    device // the GPU runtime (runtime.go)
	pool   *backend.Pool[glrt.Buffer]
	info   backend.DeviceInfo
	closed atomic.Bool
	s      stream
	// batches counts the batches run; touched only on the GL thread.
	batches uint64
	// compiled holds the names of the kernels compiled so far (ready).
	compiled sync.Map
	// tune chooses matmul variants (tune.go); the GL thread's after New.
	tune *tuner
}

// CheckEnv refuses a value of an environment variable the GL backend reads
// that it does not know: $GLTRAIN_GL_CONTEXT (a context path),
// $GLTRAIN_GL_DIAG (barriers or finish) and $GLTRAIN_GL_TUNE (on or off).
// New does it first.
func CheckEnv() error {
	return errors.Join(
		backend.CheckEnv("GLTRAIN_GL_CONTEXT", glctx.Names()...),
		backend.CheckEnv("GLTRAIN_GL_DIAG", "barriers", "finish"),
		backend.CheckEnv("GLTRAIN_GL_TUNE", "on", "off"))
}

// New makes a GL context as o says and returns a backend on it.
func New(o Options) (*Backend, error) {
	if err := CheckEnv(); err != nil {
		return nil, fmt.Errorf("gl: %w", err)
	}
	if o.Device != nil && *o.Device < 0 {
		return nil, fmt.Errorf("gl: Options.Device %d: want an EGL device index, 0 or more (nil for any)", *o.Device)
	}
	choice := o.Context
	if choice == "" {
		choice = os.Getenv("GLTRAIN_GL_CONTEXT")
	}
	paths, err := glctx.ParsePaths(choice)
	if err != nil {
		return nil, fmt.Errorf("gl: %w", err)
	}
	src := o.Shaders
	if src == nil {
		src = shaders.FS
	}
	src = withBinary{withActivations{src}}
	b := &Backend{src: src}
	b.s.init()
	// Pool buffers are made on the device by their first command (see
	// stream.go), so New never waits for the GL thread.
	b.pool = backend.NewPool(func(n int) (glrt.Buffer, error) { return b.dev.NewBuffer(n), nil },
		func(buf glrt.Buffer) { b.dev.DeleteBuffer(buf) })
	b.thread, err = glthread.Start(func() error {
		dev := -1 // any
		if o.Device != nil {
			dev = *o.Device
		}
		ctx, err := glctx.Make(glctx.Options{Paths: paths, Device: dev, Major: o.Major, Minor: o.Minor})
		if err != nil {
			return err
		}
		b.ctx = ctx
		// Diagnostics (see glrt.Options): GLTRAIN_GL_DIAG=barriers or finish.
		diag := os.Getenv("GLTRAIN_GL_DIAG")
		b.dev = device{glrt.NewDevice(src, glrt.Options{AllBarriers: diag == "barriers", FinishEach: diag == "finish"})}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gl: %w", err)
	}
	b.info = backend.DeviceInfo{
		Vendor: b.ctx.Vendor, Renderer: b.ctx.Renderer, Version: b.ctx.Version,
		Context: string(b.ctx.Path) + ": " + b.ctx.Detail,
	}
	b.info.Software = b.software()
	b.tune = newTuner(b.info.Renderer, b.info.Version, b.info.Software)
	if b.tune.notice != "" {
		fmt.Fprintln(os.Stderr, b.tune.notice) // a corrupt tuning cache: one line, once
	}
	if o.Warmup {
		if _, err := b.Warmup(); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// Name returns "gl".
func (b *Backend) Name() string { return "gl" }

// Device reports the GL vendor, renderer and version and how the context
// was made.
func (b *Backend) Device() backend.DeviceInfo { return b.info }

// MemStats reports the buffer pool's counters.
func (b *Backend) MemStats() backend.MemStats { return b.pool.Stats() }

// Sync waits for every queued command and returns the first error of any
// of them (sticky: every later call returns it too), naming its op.
func (b *Backend) Sync() error {
	return b.call("sync", b.dev.Finish)
}

// Warmup compiles every kernel now, so that no compile lands inside a timed
// region, and returns the time compiling took: every shader file, and the
// program variants the fused linear kernels use, one per activation, and
// the elementwise ones of the primitives (exp, …, clamp) and the binary
// kernels', one per op.
func (b *Backend) Warmup() (time.Duration, error) {
	var took time.Duration
	var names []string
	err := b.call("warmup", func() error {
		var err error
		if names, err = fs.Glob(b.src, "*.comp"); err != nil {
			return err
		}
		// The kernels compiled per activation exist only as variants.
		files := names
		names = slices.DeleteFunc(slices.Clone(files), func(n string) bool { return actKernel[n] || binKernel[n] })
		for _, k := range backend.UnaryKinds() {
			vs := actShaders[k][:]
			if k.Def().Primitive { // the graph's primitives: no fused layer
				vs = vs[:2]
			}
			for _, v := range vs {
				if file, _, _ := strings.Cut(v, "?"); slices.Contains(files, file) {
					names = append(names, v)
				}
			}
		}
		for _, op := range backend.BinaryOps() {
			for _, v := range binShaders[op] {
				if file, _, _ := strings.Cut(v, "?"); slices.Contains(files, file) {
					names = append(names, v)
				}
			}
		}
		before := b.dev.Stats().CompileTime
		for _, n := range names {
			if _, err := b.dev.Program(n); err != nil {
				return err
			}
		}
		took = b.dev.Stats().CompileTime - before
		return nil
	})
	if err == nil {
		for _, n := range names {
			b.compiled.Store(n, true) // ready need not ask the GL thread
		}
	}
	return took, err
}

// Counters are the GL backend's activity counters.
type Counters struct {
	Ops         uint64        // commands queued by backend calls
	Batches     uint64        // batches the GL thread has run
	Dispatches  uint64        // kernels dispatched
	Barriers    uint64        // shader-storage barriers issued
	Staging     uint64        // staging buffers allocated for uploads into busy tensors
	Programs    int           // programs compiled
	CompileTime time.Duration // time spent compiling them
}

// Counters returns the activity counters, once the commands queued so far
// have been issued.
func (b *Backend) Counters() Counters {
	var c Counters
	if b.flush("counters") != nil {
		return c
	}
	b.thread.Call(func() error {
		st := b.dev.Stats()
		c = Counters{Ops: b.s.ops.Load(), Batches: b.batches, Dispatches: st.Dispatches, Barriers: st.Barriers, Staging: st.Staging, Programs: st.Programs, CompileTime: st.CompileTime}
		return nil
	})
	return c
}

// Close runs the queued commands, frees every buffer and program and
// destroys the context; it returns a queued command's error if one failed.
// Tensors of the backend must not be used afterwards.
func (b *Backend) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.s.mu.Lock()
	b.sendLocked("close")
	b.s.closed = true
	b.s.mu.Unlock()
	return b.thread.Stop(func() error {
		b.pool.Trim()
		b.dev.Release()
		err := b.dev.Check("close")
		b.ctx.Release()
		if queued := b.s.sticky(); queued != nil {
			return queued
		}
		return err
	})
}

// Activity returns how many calls have been queued and how many kernels
// dispatched since the backend opened, once the queued calls have run (the
// bench reports both per run).
func (b *Backend) Activity() (ops, dispatches uint64) {
	c := b.Counters()
	return c.Ops, c.Dispatches
}

// softwareRenderers are the GL_RENDERER names of renderers that run on the
// CPU: Mesa's llvmpipe, softpipe and swrast, and Google's SwiftShader.
var softwareRenderers = []string{"llvmpipe", "softpipe", "swrast", "swiftshader"}

// software reports whether the context renders on the CPU (DeviceInfo's
// Software): its EGL device has EGL_MESA_device_software, or its
// GL_RENDERER names a software renderer.
func (b *Backend) software() bool {
	if strings.Contains(b.info.Context, "EGL_MESA_device_software") {
		return true
	}
	r := strings.ToLower(b.info.Renderer)
	for _, s := range softwareRenderers {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// AvailableMemory reports the device's free memory where the driver tells
// it (NVIDIA, AMD), so that a model too large for it is refused before
// anything is allocated; ok is false elsewhere (llvmpipe, Intel).
func (b *Backend) AvailableMemory() (bytes int64, ok bool) {
	b.call("available memory", func() error { bytes, ok = b.dev.FreeMemory(); return nil })
	return bytes, ok
}
