package gl

import (
	"fmt"
	"io/fs"
	"strings"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// activationGLSL is the GLSL of the activation table (backend.ActivationDef's
// GLSL), appended to common.glsl: for the kind a program is compiled for
// (its ACT define, glrt.Variant), the functions
//
//	float act_forward(float x)           f(x)
//	float act_grad(float x)              f'(x)
//	float act_backward(float dy, float x) dy·f'(x), +0 outside the Gate
//
// with the kind's parameters in the uniforms act_p0 and act_p1, as
// setActivation sets them. Programs without ACT compile none of it.
var activationGLSL = func() string {
	var b strings.Builder
	b.WriteString("\n// The activation table's kernels (backend/gl/activation_glsl.go).\n#ifdef ACT\n")
	for i := 0; i < backend.MaxActivationParams; i++ {
		fmt.Fprintf(&b, "uniform float act_p%d;\n", i)
	}
	for _, k := range backend.UnaryKinds() {
		d := k.Def()
		params, args := "float x", "x"
		for i, p := range d.Params {
			params += ", float " + p.Name
			args += fmt.Sprintf(", act_p%d", i)
		}
		fmt.Fprintf(&b, "#if ACT == %d // %s: %s\n", int(k), d.Name, d.Formula)
		fmt.Fprintf(&b, "float act_f(%s) {\n\t%s\n}\n", params, d.GLSL.Forward)
		fmt.Fprintf(&b, "float act_df(%s) {\n\t%s\n}\n", params, d.GLSL.Grad)
		fmt.Fprintf(&b, "float act_forward(float x) { return act_f(%s); }\n", args)
		fmt.Fprintf(&b, "float act_grad(float x) { return act_df(%s); }\n", args)
		if d.Gate != nil {
			fmt.Fprintf(&b, "bool act_gate(%s) {\n\t%s\n}\n", params, d.GLSL.Gate)
			fmt.Fprintf(&b, "float act_backward(float dy, float x) { return act_gate(%s) ? dy * act_grad(x) : 0.0; }\n", args)
		} else {
			b.WriteString("float act_backward(float dy, float x) { return dy * act_grad(x); }\n")
		}
		b.WriteString("#endif\n")
	}
	b.WriteString("#endif\n")
	return b.String()
}()

// withActivations serves src with activationGLSL appended to its common
// file, so that every kernel compiled for an activation has its functions.
type withActivations struct{ fs.FS }

// ReadFile implements fs.ReadFileFS, which fs.ReadFile prefers.
func (w withActivations) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(w.FS, name)
	if err != nil || name != glrt.CommonFile {
		return b, err
	}
	return append(b, activationGLSL...), nil
}

// actShaders names each kind's program variants, made once so that queuing
// a call builds no string: the elementwise kernels activation_forward.comp
// and activation_backward.comp, then linear_forward.comp and
// linear_backward.comp's passes 0 and 1, each compiled for the kind.
var actShaders = func() [][5]string {
	m := make([][5]string, len(backend.UnaryKinds()))
	for _, k := range backend.UnaryKinds() {
		act := fmt.Sprint(int(k))
		m[k] = [5]string{
			glrt.Variant("activation_forward.comp", "ACT", act),
			glrt.Variant("activation_backward.comp", "ACT", act),
			glrt.Variant("linear_forward.comp", "ACT", act),
			glrt.Variant("linear_backward.comp", "ACT", act, "PASS", "0"),
			glrt.Variant("linear_backward.comp", "ACT", act, "PASS", "1"),
		}
	}
	return m
}()

// actKernel marks the kernels that are compiled only per activation.
var actKernel = map[string]bool{"activation_forward.comp": true, "activation_backward.comp": true,
	"linear_forward.comp": true, "linear_backward.comp": true}

// setActivation sets the uniforms act_p0 and act_p1 to f's parameters.
func setActivation(p *glrt.Program, f backend.Activation) {
	p.SetFloat("act_p0", f.Param(0))
	p.SetFloat("act_p1", f.Param(1))
}
