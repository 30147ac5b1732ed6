package gl

import (
	"fmt"
	"io/fs"
	"strings"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// binaryGLSL is the GLSL of the binary table (backend.BinaryDef's GLSL),
// appended to common.glsl: for the op a program is compiled for (its BINOP
// define, glrt.Variant), the functions
//
//	float bin_f(float a, float b)             f(a, b)
//	float bin_da(float a, float b, float dy)  dy·∂f/∂a
//	float bin_db(float a, float b, float dy)  dy·∂f/∂b
//
// and div_f, a division with IEEE's special cases, and select_bits.
// Programs without BINOP compile none of it.
var binaryGLSL = func() string {
	var b strings.Builder
	b.WriteString(`
// The binary table's kernels (backend/gl/binary_glsl.go).
#ifdef BINOP
// div_f is a / b with IEEE's special cases, which GLSL leaves undefined
// (x/0, x/±Inf), and exact scaling where 1/b would leave the normal range
// (GLSL may compute a·(1/b): 2.5 ulp for |b| in [2^-126, 2^126]).
float div_f(float a, float b) {
	if (is_nan_f(a) || is_nan_f(b)) return NAN;
	uint s = (floatBitsToUint(a) ^ floatBitsToUint(b)) & 0x80000000u;
	if (b == 0.0) return a == 0.0 ? NAN : uintBitsToFloat(s | 0x7f800000u);
	if (!is_finite_f(b)) return !is_finite_f(a) ? NAN : uintBitsToFloat(s);
	if (!is_finite_f(a)) return uintBitsToFloat(s | 0x7f800000u);
	if (abs(b) > 8.5e37) return (a * 0.25) / (b * 0.25);
	if (abs(b) < 1.2e-38) return (a * 0.25) / (b * 0.25 * 16777216.0) * 16777216.0;
	return a / b;
}

// select_bits is c ? a : b chosen by the bits, which a compiler cannot turn
// into max(a, b) (which may return either zero of a ±0 tie).
float select_bits(bool c, float a, float b) {
	return uintBitsToFloat(c ? floatBitsToUint(a) : floatBitsToUint(b));
}
`)
	for _, op := range backend.BinaryOps() {
		d := op.Def()
		fmt.Fprintf(&b, "#if BINOP == %d // %s: %s\n", int(op), d.Name, d.Formula)
		fmt.Fprintf(&b, "float bin_f(float a, float b) {\n\t%s\n}\n", d.GLSL.F)
		fmt.Fprintf(&b, "float bin_da(float a, float b, float dy) {\n\t%s\n}\n", d.GLSL.DA)
		fmt.Fprintf(&b, "float bin_db(float a, float b, float dy) {\n\t%s\n}\n", d.GLSL.DB)
		b.WriteString("#endif\n")
	}
	b.WriteString("#endif\n")
	return b.String()
}()

// withBinary serves src with binaryGLSL appended to its common file.
type withBinary struct{ fs.FS }

// ReadFile implements fs.ReadFileFS, which fs.ReadFile prefers.
func (w withBinary) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(w.FS, name)
	if err != nil || name != glrt.CommonFile {
		return b, err
	}
	return append(b, binaryGLSL...), nil
}

// binShaders names each op's program variants, made once so that queuing a
// call builds no string: binary_forward.comp and binary_backward.comp
// compiled for the op.
var binShaders = func() [][2]string {
	m := make([][2]string, len(backend.BinaryOps()))
	for _, op := range backend.BinaryOps() {
		v := fmt.Sprint(int(op))
		m[op] = [2]string{
			glrt.Variant("binary_forward.comp", "BINOP", v),
			glrt.Variant("binary_backward.comp", "BINOP", v),
		}
	}
	return m
}()

// binKernel marks the kernels that are compiled only per binary op.
var binKernel = map[string]bool{"binary_forward.comp": true, "binary_backward.comp": true}

// binaryOps are the ops' names in errors, made once.
var binaryOps = func() [][2]string {
	names := make([][2]string, len(backend.BinaryOps()))
	for _, op := range backend.BinaryOps() {
		names[op] = [2]string{op.String() + " forward", op.String() + " backward"}
	}
	return names
}()
