package main

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"gltrain/backend"
	_ "gltrain/backend/cpu"
	"gltrain/backend/gl"
)

// openBackend opens the -backend choice. For auto it is backend.OpenAuto's:
// GL on a hardware renderer and otherwise the CPU, with a one-line notice
// saying why: no context, or a software renderer (llvmpipe and its kind
// are many times slower than the cpu backend; -backend=gl still uses them).
func openBackend(spec string, threads int) (backend.Backend, string, error) {
	if threads > 0 {
		runtime.GOMAXPROCS(threads)
	}
	if spec == "cpu" || strings.HasPrefix(spec, "cpu:") {
		spec = cpuSpec(spec, threads)
	}
	if spec != "auto" {
		b, err := backend.Open(spec)
		if err != nil {
			return nil, "", fmt.Errorf("backend %s: %w", spec, err)
		}
		if d, ok := b.(backend.Describer); ok && d.Device().Software {
			renderer := shortRenderer(d.Device().Renderer)
			return b, "gl: " + renderer + " is a software renderer: training here is " + softwareFactor + " than on -backend=cpu", nil
		}
		return b, "", nil
	}
	b, fb, err := backend.OpenAuto(cpuSpec("cpu", threads))
	var notice string
	switch {
	case err != nil:
		return nil, "", err
	case fb == nil:
		return b, "", nil
	case fb.Renderer != "":
		notice = "gl: " + fb.Renderer + " is a software renderer; training on the CPU, which is faster here (-backend=gl uses it anyway)"
	case fb.Err != nil:
		notice = "no OpenGL 4.3 context (" + oneLine(fb.Err) + "): training on the CPU"
	default:
		notice = fb.String() + ": training on the CPU"
	}
	return b, notice, nil
}

// softwareFactor is the order of magnitude by which a software renderer
// trains slower than the cpu backend, as measured on 2 cores (llvmpipe
// against OpenBLAS): MNIST's 784-256-10 epoch 25 s against 0.25 s, its CNN
// about 10 minutes against 6.5 s, the bench's 512³ product 156 ms against
// 1.24 ms (README, "Training"; bench/results).
const softwareFactor = "about 100 times slower"

// cpuSpec adds the thread count to a cpu backend spec.
func cpuSpec(spec string, threads int) string {
	if threads <= 0 {
		return spec
	}
	sep := ","
	if spec == "cpu" {
		sep = ":"
	}
	return spec + sep + "threads=" + strconv.Itoa(threads)
}

// shortRenderer is a renderer's name without its details in parentheses:
// "llvmpipe (LLVM 15.0.6, 256 bits)" is "llvmpipe".
func shortRenderer(r string) string {
	if i := strings.Index(r, " ("); i > 0 {
		return r[:i]
	}
	return r
}

// oneLine flattens a multi-line error (the GL context error lists a path
// per line) into one line.
func oneLine(err error) string {
	var ce *gl.ContextError
	if errors.As(err, &ce) {
		parts := make([]string, len(ce.Attempts))
		for i, a := range ce.Attempts {
			parts[i] = fmt.Sprintf("%s: %v", a.Path, a.Err)
		}
		return strings.Join(parts, "; ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// describe is the backend line: the renderer, the GL version and the
// context path, or the CPU model and threads.
func describe(b backend.Backend) string {
	d, ok := b.(backend.Describer)
	if !ok {
		return b.Name()
	}
	info := d.Device()
	if b.Name() == "gl" {
		return fmt.Sprintf("gl: %s, OpenGL %s, via %s", info.Renderer, info.Version, info.Context)
	}
	threads := fmt.Sprintf("%d threads", info.Threads)
	if info.Threads == 1 {
		threads = "1 thread"
	}
	if info.Products != "" {
		return fmt.Sprintf("%s: %s, %s, on %s", b.Name(), info.Products, threads, info.Renderer)
	}
	return fmt.Sprintf("%s: %s, %s", b.Name(), info.Renderer, threads)
}
