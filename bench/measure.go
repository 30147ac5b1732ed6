package main

import (
	"fmt"
	"io"
	"time"

	"gltrain/backend"
	"gltrain/bench/cases"
)

// openBackends opens each backend, compiles the GL shaders on their own
// (timed, so the header can report it and no case pays for it), and records
// in rep each backend's device or why it was skipped.
func openBackends(names []string, rep *Report, stderr io.Writer) []backend.Backend {
	var opened []backend.Backend
	for _, name := range names {
		m := BackendMeta{Name: name}
		b, err := backend.Open(name)
		if err == nil {
			if w, ok := b.(backend.Warmer); ok {
				t0 := time.Now()
				took, werr := w.Warmup()
				m.WarmupNs, m.WarmupWallNs = took.Nanoseconds(), time.Since(t0).Nanoseconds()
				if pc, ok := b.(backend.ProgramCounter); ok {
					m.Programs = pc.Programs()
				}
				if werr != nil {
					b.Close()
					err = fmt.Errorf("warm-up: %w", werr)
				}
			}
		}
		if err != nil {
			m.Error = oneLine(err.Error())
			fmt.Fprintf(stderr, "bench: backend %s unavailable, skipped: %v\n", name, err)
			rep.Meta.Backends = append(rep.Meta.Backends, m)
			continue
		}
		if d, ok := b.(backend.Describer); ok {
			info := d.Device()
			m.Vendor, m.Renderer, m.Version, m.Context, m.Threads = info.Vendor, info.Renderer, info.Version, info.Context, info.Threads
			m.Products = info.Products
		}
		rep.Meta.Backends = append(rep.Meta.Backends, m)
		opened = append(opened, b)
	}
	return opened
}

// measureAll measures every case on every backend, case by case so that
// the backends of one case run close together in time.
func measureAll(cs []cases.Case, bs []backend.Backend, c config, rep *Report, stderr io.Writer) int {
	status := 0
	total, i := len(cs)*len(bs), 0
	for _, k := range cs {
		for _, b := range bs {
			i++
			r, others, waited, err := measureQuietly(c.quiet, func() (cases.Result, error) {
				return cases.Measure(b, k, c.samples, c.minSample)
			})
			res := Result{Result: r, OtherCores: others, QuietWaitNs: waited.Nanoseconds()}
			if err != nil {
				res.Error = oneLine(err.Error())
				status = 1
				fmt.Fprintf(stderr, "[%d/%d] %s on %s: %v\n", i, total, k.Name(), b.Name(), err)
			} else {
				fmt.Fprintf(stderr, "[%d/%d] %s on %s: %s\n", i, total, k.Name(), b.Name(), formatTime(r.Median()))
			}
			res.Backend = b.Name()
			rep.Results = append(rep.Results, res)
		}
	}
	return status
}
