package gl_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/gl"
	"gltrain/backend/gl/internal/glrt"
	"gltrain/shaders"
)

// TestBrokenShader replaces add.comp with a kernel that does not compile:
// the error names the file and carries the driver's log and the numbered
// source, and the backend keeps working for the other kernels.
func TestBrokenShader(t *testing.T) {
	common, err := fs.ReadFile(shaders.FS, "common.glsl")
	if err != nil {
		t.Fatal(err)
	}
	fill, _ := fs.ReadFile(shaders.FS, "fill.comp")
	src := fstest.MapFS{
		"common.glsl": {Data: common},
		"fill.comp":   {Data: fill},
		"add.comp":    {Data: []byte("layout(local_size_x = WG) in;\nvoid main() {\n\tfloat x = undefined_name;\n}\n")},
	}
	b, err := gl.New(gl.Options{Shaders: src})
	if err != nil {
		if backendtest.RequireGL() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer b.Close()
	x, _ := b.New(backend.Shape{Rows: 2, Cols: 2})
	defer b.Release(x)
	err = b.Add(x, x, x)
	var ce *glrt.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Add with a broken shader: %v (%T), want a *glrt.CompileError", err, err)
	}
	msg := err.Error()
	for _, want := range []string{"add.comp", "compile failed", "undefined_name", "2:   3  \tfloat x = undefined_name;"} {
		if !strings.Contains(msg, want) {
			t.Errorf("compile error does not contain %q:\n%s", want, msg)
		}
	}
	if err := b.Fill(x, 1); err != nil {
		t.Errorf("fill after a broken shader: %v", err)
	}
}

// TestWarmup compiles every kernel and reports how long that took, apart
// from any steady-state figure.
func TestWarmup(t *testing.T) {
	b, err := gl.New(gl.Options{})
	if err != nil {
		if backendtest.RequireGL() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer b.Close()
	start := time.Now()
	took, err := b.Warmup()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(shaders.FS, "*.comp")
	// Every file but the four compiled only per activation (the
	// elementwise activation kernels and the fused linear ones) and the
	// two compiled only per binary op, those four's five variants per
	// activation, the two elementwise ones per primitive, and the binary
	// two's two per op.
	if c, want := b.Counters(), len(names)-4-2+5*len(backend.ActivationKinds())+2*len(backend.PrimitiveKinds())+2*len(backend.BinaryOps()); c.Programs != want {
		t.Errorf("%d programs compiled, want %d", c.Programs, want)
	}
	t.Logf("warm-up: %d kernels compiled and linked in %v (%v wall)", len(names), took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if again, _ := b.Warmup(); again != 0 {
		t.Errorf("second warm-up took %v: programs should be cached", again)
	}
}

// TestWarmupCoversTheFusedLinearKernels warms a backend up, then runs the
// fused linear layer forward and backward: nothing may be compiled any
// more, since Warmup is what keeps compiles out of timed regions, and the
// fused kernels are compiled per activation (program variants).
func TestWarmupCoversTheFusedLinearKernels(t *testing.T) {
	b, err := gl.New(gl.Options{})
	if err != nil {
		if backendtest.RequireGL() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer b.Close()
	if _, err := b.Warmup(); err != nil {
		t.Fatal(err)
	}
	before := b.Counters()
	x, _ := b.New(backend.Shape{Rows: 3, Cols: 4})
	w, _ := b.New(backend.Shape{Rows: 4, Cols: 5})
	bias, _ := b.New(backend.Shape{Rows: 1, Cols: 5})
	y, _ := b.New(backend.Shape{Rows: 3, Cols: 5})
	z, _ := b.New(backend.Shape{Rows: 3, Cols: 5})
	dx, _ := b.New(backend.Shape{Rows: 3, Cols: 4})
	dw, _ := b.New(backend.Shape{Rows: 4, Cols: 5})
	db, _ := b.New(backend.Shape{Rows: 1, Cols: 5})
	for _, k := range backend.ActivationKinds() {
		f := backend.Activation{Kind: k}
		for i, err := range []error{
			b.Fill(x, 0.5), b.Fill(w, 0.25), b.Fill(bias, 0),
			b.LinearForward(f, y, z, x, w, bias),
			b.LinearBackward(f, dx, dw, db, x, w, z, y, 0, 0, 0),
		} {
			if err != nil {
				t.Fatalf("%v step %d: %v", k, i, err)
			}
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	after := b.Counters()
	if after.Programs != before.Programs || after.CompileTime != before.CompileTime {
		t.Errorf("after Warmup the fused linear kernels compiled %d programs in %v",
			after.Programs-before.Programs, after.CompileTime-before.CompileTime)
	}
}
