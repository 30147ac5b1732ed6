package glrt

import (
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// program is a linked GL compute program with its uniforms: the Kernel of
// the Device's Programs.
type program struct {
	id       uint32
	uniforms map[string]*uniform
	dev      *Device // whose GL calls made it (debug builds check them)
}

// uniform is a uniform's location and the bits last set, so that setting
// the value it already holds makes no GL call.
type uniform struct {
	loc  int32
	bits uint32
	set  bool
}

// lookup returns the uniform called name. The locations of every active
// uniform are read once, when the program is linked; a name the driver
// optimised away gets location −1, and setting −1 is a no-op in GL.
func (p *program) lookup(name string) *uniform {
	if u, ok := p.uniforms[name]; ok {
		return u
	}
	u := &uniform{loc: -1}
	p.uniforms[name] = u
	return u
}

// SetInt sets an int uniform.
func (p *program) SetInt(name string, v int) {
	u := p.lookup(name)
	if u.set && u.bits == uint32(int32(v)) {
		return
	}
	u.bits, u.set = uint32(int32(v)), true
	gl.ProgramUniform1i(p.id, u.loc, int32(v))
	p.dev.after("glProgramUniform1i")
}

// SetFloat sets a float uniform.
func (p *program) SetFloat(name string, v float32) {
	u := p.lookup(name)
	if u.set && u.bits == math.Float32bits(v) {
		return
	}
	u.bits, u.set = math.Float32bits(v), true
	gl.ProgramUniform1f(p.id, u.loc, v)
	p.dev.after("glProgramUniform1f")
}

// readUniforms records the location of every active uniform of p.
func (p *program) readUniforms() {
	var count, maxLen int32
	gl.GetProgramiv(p.id, gl.ACTIVE_UNIFORMS, &count)
	p.dev.after("glGetProgramiv")
	gl.GetProgramiv(p.id, gl.ACTIVE_UNIFORM_MAX_LENGTH, &maxLen)
	p.dev.after("glGetProgramiv")
	buf := make([]uint8, max(maxLen, 1))
	for i := range uint32(count) {
		var n, size int32
		var typ uint32
		gl.GetActiveUniform(p.id, i, int32(len(buf)), &n, &size, &typ, &buf[0])
		p.dev.after("glGetActiveUniform")
		name := string(buf[:n])
		loc := gl.GetUniformLocation(p.id, gl.Str(name+"\x00"))
		p.dev.after("glGetUniformLocation")
		p.uniforms[name] = &uniform{loc: loc}
	}
}

// CompileError is a shader that failed to compile or link: the file, the
// driver's log, and the source as compiled, with numbered lines.
type CompileError struct {
	Name   string // shader file, e.g. "matmul_forward.comp"
	Stage  string // "compile" or "link"
	Log    string
	Source string // numbered listing
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("shader %s: %s failed:\n%s\nsource (source 1 is %s, source 2 is %s):\n%s",
		e.Name, e.Stage, strings.TrimSpace(e.Log), CommonFile, e.Name, e.Source)
}

// CommonFile is prepended to every kernel: shared constants and functions.
const CommonFile = "common.glsl"

// Program returns the compiled program of the shader file name, compiling
// and linking it on first use: the one place shaders are compiled. A name
// may name a variant, "file.comp?KEY=VALUE,KEY=VALUE": the file compiled
// with those #defines too, so that a choice a kernel makes per call (an
// activation, a pass) is made by the compiler, not by a branch in every
// invocation (Variant builds such names).
func (d *Device) Program(name string) (*Program, error) {
	if p, ok := d.programs[name]; ok {
		return p, nil
	}
	start := time.Now()
	common, err := fs.ReadFile(d.src, CommonFile)
	if err != nil {
		return nil, fmt.Errorf("shader %s: %w", name, err)
	}
	file, defines, _ := strings.Cut(name, "?")
	body, err := fs.ReadFile(d.src, file)
	if err != nil {
		return nil, fmt.Errorf("shader %s: %w", name, err)
	}
	var extra strings.Builder
	if defines != "" {
		for _, kv := range strings.Split(defines, ",") {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&extra, "#define %s %s\n", k, v)
		}
	}
	src := d.assemble(string(common), string(body), extra.String())
	k, err := d.build(name, src)
	if err != nil {
		return nil, err
	}
	p := NewProgram(name, k)
	d.programs[name] = p
	d.compileTime += time.Since(start)
	return p, nil
}

// Variant is the program name of file compiled with the given #defines,
// given as alternating names and values: Variant("k.comp", "ACT", "1") is
// "k.comp?ACT=1".
func Variant(file string, defines ...string) string {
	var b strings.Builder
	b.WriteString(file)
	for i := 0; i+1 < len(defines); i += 2 {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(defines[i] + "=" + defines[i+1])
	}
	return b.String()
}

// assemble puts the version, the defines, the common file and the kernel
// together, with #line directives so that the driver's line numbers are
// those of each file (source string 1: common, 2: the kernel).
func (d *Device) assemble(common, body, variant string) string {
	var b strings.Builder
	b.WriteString("#version 430 core\n")
	keys := make([]string, 0, len(d.defines))
	for k := range d.defines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "#define %s %s\n", k, d.defines[k])
	}
	b.WriteString(variant)
	b.WriteString("#line 1 1\n")
	b.WriteString(common)
	b.WriteString("\n#line 1 2\n")
	b.WriteString(body)
	return b.String()
}

// build compiles and links src, deleting the GL objects on failure.
func (d *Device) build(name, src string) (*program, error) {
	sh := gl.CreateShader(gl.COMPUTE_SHADER)
	d.after("glCreateShader")
	csrc, free := gl.Strs(src + "\x00")
	length := int32(len(src))
	gl.ShaderSource(sh, 1, csrc, &length)
	d.after("glShaderSource")
	free()
	gl.CompileShader(sh)
	d.after("glCompileShader")
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	d.after("glGetShaderiv")
	if ok == gl.FALSE {
		log := infoLog(sh, gl.GetShaderiv, gl.GetShaderInfoLog)
		gl.DeleteShader(sh)
		return nil, &CompileError{Name: name, Stage: "compile", Log: log, Source: numbered(src)}
	}
	prog := gl.CreateProgram()
	d.after("glCreateProgram")
	gl.AttachShader(prog, sh)
	d.after("glAttachShader")
	gl.LinkProgram(prog)
	d.after("glLinkProgram")
	gl.DeleteShader(sh) // flagged; freed with the program
	d.after("glDeleteShader")
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	d.after("glGetProgramiv")
	if ok == gl.FALSE {
		log := infoLog(prog, gl.GetProgramiv, gl.GetProgramInfoLog)
		gl.DeleteProgram(prog)
		return nil, &CompileError{Name: name, Stage: "link", Log: log, Source: numbered(src)}
	}
	if err := d.Check("build " + name); err != nil {
		gl.DeleteProgram(prog)
		return nil, err
	}
	p := &program{id: prog, uniforms: make(map[string]*uniform), dev: d}
	p.readUniforms()
	return p, nil
}

func infoLog(obj uint32, getiv func(uint32, uint32, *int32), getLog func(uint32, int32, *int32, *uint8)) string {
	var n int32
	getiv(obj, gl.INFO_LOG_LENGTH, &n)
	if n <= 1 {
		return "(the driver gave no log)"
	}
	buf := make([]uint8, n)
	getLog(obj, n, nil, &buf[0])
	return strings.TrimRight(string(buf), "\x00\n ")
}

// numbered lists src with each line prefixed by its source string and line
// number, following the #line directives, as the driver counts them.
func numbered(src string) string {
	var b strings.Builder
	file, line := 0, 1
	for _, l := range strings.Split(src, "\n") {
		var n, f int
		if c, _ := fmt.Sscanf(l, "#line %d %d", &n, &f); c == 2 {
			fmt.Fprintf(&b, "      %s\n", l)
			file, line = f, n
			continue
		}
		fmt.Fprintf(&b, "%d:%4d  %s\n", file, line, l)
		line++
	}
	return b.String()
}

func (d *Device) deletePrograms() {
	for _, p := range d.programs {
		gl.DeleteProgram(p.k.(*program).id)
		d.after("glDeleteProgram")
	}
	d.programs = map[string]*Program{}
}
