package main

import (
	"errors"
	"fmt"
	"strings"

	"gltrain/backend"
	_ "gltrain/backend/cpu"
	"gltrain/backend/gl"
)

// openBackend opens the -backend choice. For auto it tries GL and falls back
// to the CPU with a one-line notice saying why.
func openBackend(spec string) (b backend.Backend, notice string, err error) {
	if spec != "auto" {
		b, err := backend.Open(spec)
		if err != nil {
			return nil, "", fmt.Errorf("backend %s: %w", spec, err)
		}
		return b, "", nil
	}
	b, err = backend.Open("gl")
	if err == nil {
		return b, "", nil
	}
	cpu, cerr := backend.Open("cpu")
	if cerr != nil {
		return nil, "", errors.Join(err, cerr)
	}
	return cpu, "no OpenGL 4.3 context (" + oneLine(err) + "): training on the CPU", nil
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
	return fmt.Sprintf("%s: %s, %d threads", b.Name(), info.Renderer, info.Threads)
}
