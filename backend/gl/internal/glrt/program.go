package glrt

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// Program is a linked compute program with its uniform locations.
type Program struct {
	id   uint32
	name string
	locs map[string]int32
}

// Name is the shader file the program was built from.
func (p *Program) Name() string { return p.name }

// loc returns the location of uniform name (−1 when the driver optimised it
// away; setting −1 is a no-op in GL).
func (p *Program) loc(name string) int32 {
	if l, ok := p.locs[name]; ok {
		return l
	}
	l := gl.GetUniformLocation(p.id, gl.Str(name+"\x00"))
	after("glGetUniformLocation")
	p.locs[name] = l
	return l
}

// SetInt sets an int uniform.
func (p *Program) SetInt(name string, v int) {
	gl.ProgramUniform1i(p.id, p.loc(name), int32(v))
	after("glProgramUniform1i")
}

// SetFloat sets a float uniform.
func (p *Program) SetFloat(name string, v float32) {
	gl.ProgramUniform1f(p.id, p.loc(name), v)
	after("glProgramUniform1f")
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
// and linking it on first use: the one place shaders are compiled.
func (d *Device) Program(name string) (*Program, error) {
	if p, ok := d.programs[name]; ok {
		return p, nil
	}
	start := time.Now()
	common, err := fs.ReadFile(d.src, CommonFile)
	if err != nil {
		return nil, fmt.Errorf("shader %s: %w", name, err)
	}
	body, err := fs.ReadFile(d.src, name)
	if err != nil {
		return nil, fmt.Errorf("shader %s: %w", name, err)
	}
	src := d.assemble(string(common), string(body))
	p, err := build(name, src)
	if err != nil {
		return nil, err
	}
	d.programs[name] = p
	d.CompileTime += time.Since(start)
	return p, nil
}

// assemble puts the version, the defines, the common file and the kernel
// together, with #line directives so that the driver's line numbers are
// those of each file (source string 1: common, 2: the kernel).
func (d *Device) assemble(common, body string) string {
	var b strings.Builder
	b.WriteString("#version 430 core\n")
	keys := make([]string, 0, len(d.Defines))
	for k := range d.Defines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "#define %s %s\n", k, d.Defines[k])
	}
	b.WriteString("#line 1 1\n")
	b.WriteString(common)
	b.WriteString("\n#line 1 2\n")
	b.WriteString(body)
	return b.String()
}

// build compiles and links src, deleting the GL objects on failure.
func build(name, src string) (*Program, error) {
	sh := gl.CreateShader(gl.COMPUTE_SHADER)
	after("glCreateShader")
	csrc, free := gl.Strs(src + "\x00")
	length := int32(len(src))
	gl.ShaderSource(sh, 1, csrc, &length)
	after("glShaderSource")
	free()
	gl.CompileShader(sh)
	after("glCompileShader")
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	after("glGetShaderiv")
	if ok == gl.FALSE {
		log := infoLog(sh, gl.GetShaderiv, gl.GetShaderInfoLog)
		gl.DeleteShader(sh)
		return nil, &CompileError{Name: name, Stage: "compile", Log: log, Source: numbered(src)}
	}
	prog := gl.CreateProgram()
	after("glCreateProgram")
	gl.AttachShader(prog, sh)
	after("glAttachShader")
	gl.LinkProgram(prog)
	after("glLinkProgram")
	gl.DeleteShader(sh) // flagged; freed with the program
	after("glDeleteShader")
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	after("glGetProgramiv")
	if ok == gl.FALSE {
		log := infoLog(prog, gl.GetProgramiv, gl.GetProgramInfoLog)
		gl.DeleteProgram(prog)
		return nil, &CompileError{Name: name, Stage: "link", Log: log, Source: numbered(src)}
	}
	if err := Check("build " + name); err != nil {
		gl.DeleteProgram(prog)
		return nil, err
	}
	return &Program{id: prog, name: name, locs: make(map[string]int32)}, nil
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

// Programs lists the names of the compiled programs.
func (d *Device) Programs() []string {
	names := make([]string, 0, len(d.programs))
	for n := range d.programs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (d *Device) deletePrograms() {
	for _, p := range d.programs {
		gl.DeleteProgram(p.id)
		after("glDeleteProgram")
	}
	d.programs = map[string]*Program{}
}
