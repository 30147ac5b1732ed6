package view

// The window's drawing: one GL 3.3 core program for everything flat (solid
// shapes and text from one atlas, so that they batch into one draw), one for
// pictures (misclassified images, filters) and one that colours the decision
// map from its class and confidence textures.

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-gl/gl/v3.3-core/gl"
)

// rgba is a colour with components in [0, 1].
type rgba [4]float32

const vertexSource = `#version 330 core
layout(location = 0) in vec2 pos;   // pixels, origin top left
layout(location = 1) in vec2 uv;
layout(location = 2) in vec4 col;
uniform vec2 size;                  // the framebuffer, in pixels
out vec2 v_uv;
out vec4 v_col;
void main() {
	v_uv = uv;
	v_col = col;
	gl_Position = vec4(pos.x / size.x * 2.0 - 1.0, 1.0 - pos.y / size.y * 2.0, 0.0, 1.0);
}
`

// flatSource draws solids and text: the atlas's red channel is the alpha
// (a glyph's coverage; 1 in the atlas's white cell, which solids sample).
const flatSource = `#version 330 core
in vec2 v_uv;
in vec4 v_col;
uniform sampler2D tex;
out vec4 frag;
void main() { frag = vec4(v_col.rgb, v_col.a * texture(tex, v_uv).r); }
`

// pictureSource draws an RGBA texture as it is.
const pictureSource = `#version 330 core
in vec2 v_uv;
in vec4 v_col;
uniform sampler2D tex;
out vec4 frag;
void main() { frag = texture(tex, v_uv) * v_col; }
`

// heatmapSource colours the decision map: each cell takes its class's
// colour, mixed with white by how sure the model is there (see Shade).
const heatmapSource = `#version 330 core
in vec2 v_uv;
in vec4 v_col;
uniform usampler2D cls;   // R8UI: the class of each cell
uniform sampler2D conf;   // R32F: its probability, in [0, 1]
uniform vec3 palette[10];
uniform float classes;
out vec4 frag;
void main() {
	uint k = texture(cls, v_uv).r;
	float c = texture(conf, v_uv).r;
	float lo = 1.0 / max(classes, 2.0);
	float a = 0.2 + 0.5 * clamp((c - lo) / (1.0 - lo), 0.0, 1.0);
	frag = vec4(mix(vec3(1.0), palette[k % 10u], a), 1.0);
}
`

// program is a linked shader program and its uniforms.
type program struct {
	id   uint32
	size int32 // the "size" uniform
}

// compile links the vertex shader with a fragment shader; on failure the
// error has the log and the numbered source.
func compile(name, fragment string) (program, error) {
	vs, err := compileShader(name+" vertex", gl.VERTEX_SHADER, vertexSource)
	if err != nil {
		return program{}, err
	}
	defer gl.DeleteShader(vs)
	fs, err := compileShader(name+" fragment", gl.FRAGMENT_SHADER, fragment)
	if err != nil {
		return program{}, err
	}
	defer gl.DeleteShader(fs)
	p := gl.CreateProgram()
	gl.AttachShader(p, vs)
	gl.AttachShader(p, fs)
	gl.LinkProgram(p)
	var ok int32
	gl.GetProgramiv(p, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		log := infoLog(p, gl.GetProgramiv, gl.GetProgramInfoLog)
		gl.DeleteProgram(p)
		return program{}, fmt.Errorf("view: linking the %s program: %s", name, log)
	}
	return program{id: p, size: gl.GetUniformLocation(p, gl.Str("size\x00"))}, nil
}

func compileShader(name string, kind uint32, source string) (uint32, error) {
	s := gl.CreateShader(kind)
	src, free := gl.Strs(source + "\x00")
	gl.ShaderSource(s, 1, src, nil)
	free()
	gl.CompileShader(s)
	var ok int32
	gl.GetShaderiv(s, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		log := infoLog(s, gl.GetShaderiv, gl.GetShaderInfoLog)
		gl.DeleteShader(s)
		var b strings.Builder
		for i, line := range strings.Split(source, "\n") {
			fmt.Fprintf(&b, "%3d  %s\n", i+1, line)
		}
		return 0, fmt.Errorf("view: compiling the %s shader: %s\n%s", name, log, b.String())
	}
	return s, nil
}

func infoLog(id uint32, get func(uint32, uint32, *int32), read func(uint32, int32, *int32, *uint8)) string {
	var n int32
	get(id, gl.INFO_LOG_LENGTH, &n)
	if n <= 0 {
		return "(no log)"
	}
	buf := make([]uint8, n)
	read(id, n, nil, &buf[0])
	return strings.TrimSpace(gl.GoStr(&buf[0]))
}

// renderer batches quads: 6 vertices of (x, y, u, v, r, g, b, a) each.
type renderer struct {
	flat, pict, heatmap program
	vao, vbo            uint32
	atlas               *atlas
	verts               []float32
	w, h                float32 // the framebuffer
}

func newRenderer() (*renderer, error) {
	r := &renderer{}
	var err error
	if r.flat, err = compile("flat", flatSource); err != nil {
		return nil, err
	}
	if r.pict, err = compile("picture", pictureSource); err != nil {
		return nil, err
	}
	if r.heatmap, err = compile("heatmap", heatmapSource); err != nil {
		return nil, err
	}
	gl.GenVertexArrays(1, &r.vao)
	gl.BindVertexArray(r.vao)
	gl.GenBuffers(1, &r.vbo)
	gl.BindBuffer(gl.ARRAY_BUFFER, r.vbo)
	const stride = 8 * 4
	gl.EnableVertexAttribArray(0)
	gl.VertexAttribPointerWithOffset(0, 2, gl.FLOAT, false, stride, 0)
	gl.EnableVertexAttribArray(1)
	gl.VertexAttribPointerWithOffset(1, 2, gl.FLOAT, false, stride, 2*4)
	gl.EnableVertexAttribArray(2)
	gl.VertexAttribPointerWithOffset(2, 4, gl.FLOAT, false, stride, 4*4)
	r.atlas = newAtlas()
	gl.UseProgram(r.heatmap.id)
	gl.Uniform1i(gl.GetUniformLocation(r.heatmap.id, gl.Str("cls\x00")), 0)
	gl.Uniform1i(gl.GetUniformLocation(r.heatmap.id, gl.Str("conf\x00")), 1)
	pal := make([]float32, 0, 3*len(Palette))
	for _, c := range Palette {
		pal = append(pal, float32(c.R)/255, float32(c.G)/255, float32(c.B)/255)
	}
	gl.Uniform3fv(gl.GetUniformLocation(r.heatmap.id, gl.Str("palette\x00")), int32(len(Palette)), &pal[0])
	return r, nil
}

func (r *renderer) release() {
	for _, p := range []program{r.flat, r.pict, r.heatmap} {
		gl.DeleteProgram(p.id)
	}
	gl.DeleteBuffers(1, &r.vbo)
	gl.DeleteVertexArrays(1, &r.vao)
	r.atlas.release()
}

// begin starts a frame of w×h pixels, cleared to the background.
func (r *renderer) begin(w, h int) {
	r.w, r.h = float32(w), float32(h)
	gl.Viewport(0, 0, int32(w), int32(h))
	gl.ClearColor(0.97, 0.97, 0.97, 1)
	gl.Clear(gl.COLOR_BUFFER_BIT)
	gl.Enable(gl.BLEND)
	gl.BlendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
}

// quad adds a rectangle with texture coordinates u0..u1, v0..v1.
func (r *renderer) quad(x0, y0, x1, y1, u0, v0, u1, v1 float32, c rgba) {
	v := func(x, y, u, w float32) { r.verts = append(r.verts, x, y, u, w, c[0], c[1], c[2], c[3]) }
	v(x0, y0, u0, v0)
	v(x1, y0, u1, v0)
	v(x1, y1, u1, v1)
	v(x0, y0, u0, v0)
	v(x1, y1, u1, v1)
	v(x0, y1, u0, v1)
}

// rect adds a solid rectangle (it samples the atlas's white cell).
func (r *renderer) rect(x0, y0, x1, y1 float32, c rgba) {
	u, v := r.atlas.white()
	r.quad(x0, y0, x1, y1, u, v, u, v, c)
}

// frame adds a rectangle's outline, t pixels thick, inside it.
func (r *renderer) frame(x0, y0, x1, y1, t float32, c rgba) {
	r.rect(x0, y0, x1, y0+t, c)
	r.rect(x0, y1-t, x1, y1, c)
	r.rect(x0, y0+t, x0+t, y1-t, c)
	r.rect(x1-t, y0+t, x1, y1-t, c)
}

// line adds a segment t pixels wide.
func (r *renderer) line(x0, y0, x1, y1, t float32, c rgba) {
	dx, dy := x1-x0, y1-y0
	n := float32(math.Sqrt(float64(dx*dx + dy*dy)))
	if n == 0 {
		return
	}
	nx, ny := -dy/n*t/2, dx/n*t/2
	u, v := r.atlas.white()
	add := func(x, y float32) { r.verts = append(r.verts, x, y, u, v, c[0], c[1], c[2], c[3]) }
	add(x0+nx, y0+ny)
	add(x1+nx, y1+ny)
	add(x1-nx, y1-ny)
	add(x0+nx, y0+ny)
	add(x1-nx, y1-ny)
	add(x0-nx, y0-ny)
}

// ascii spells out the few non-ASCII characters the view's text has (the
// atlas is printable ASCII).
var ascii = strings.NewReplacer("→", "->", "×", "x", "²", "2", "…", "...", "−", "-")

// text adds s with its top-left corner at x, y, and returns its width.
func (r *renderer) text(x, y float32, s string, c rgba) float32 {
	s = ascii.Replace(s)
	for _, ch := range s {
		u0, v0, u1, v1 := r.atlas.glyph(ch)
		r.quad(x, y, x+glyphW, y+glyphH, u0, v0, u1, v1, c)
		x += glyphW
	}
	return float32(len([]rune(s)) * glyphW)
}

// flush draws the batched flat quads.
func (r *renderer) flush() {
	if len(r.verts) == 0 {
		return
	}
	r.use(r.flat)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(gl.TEXTURE_2D, r.atlas.tex)
	r.draw()
}

func (r *renderer) use(p program) {
	gl.UseProgram(p.id)
	gl.Uniform2f(p.size, r.w, r.h)
	gl.BindVertexArray(r.vao)
	gl.BindBuffer(gl.ARRAY_BUFFER, r.vbo)
}

func (r *renderer) draw() {
	gl.BufferData(gl.ARRAY_BUFFER, len(r.verts)*4, gl.Ptr(r.verts), gl.STREAM_DRAW)
	gl.DrawArrays(gl.TRIANGLES, 0, int32(len(r.verts)/8))
	r.verts = r.verts[:0]
}

// picture draws texture tex over the rectangle now (after the quads batched
// so far, which it flushes first).
func (r *renderer) picture(tex uint32, x0, y0, x1, y1 float32) {
	r.flush()
	r.quad(x0, y0, x1, y1, 0, 0, 1, 1, rgba{1, 1, 1, 1})
	r.use(r.pict)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(gl.TEXTURE_2D, tex)
	r.draw()
}

// heatmapQuad draws the decision map's textures over the rectangle.
func (r *renderer) heatmapQuad(cls, conf uint32, classes int, x0, y0, x1, y1 float32) {
	r.flush()
	r.quad(x0, y0, x1, y1, 0, 0, 1, 1, rgba{1, 1, 1, 1})
	r.use(r.heatmap)
	gl.Uniform1f(gl.GetUniformLocation(r.heatmap.id, gl.Str("classes\x00")), float32(classes))
	gl.ActiveTexture(gl.TEXTURE1)
	gl.BindTexture(gl.TEXTURE_2D, conf)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(gl.TEXTURE_2D, cls)
	r.draw()
}

// newTexture makes a texture with nearest filtering (cells stay sharp when
// scaled up) from pixels of the given format.
func newTexture(internal int32, w, h int, format, kind uint32, pix any) uint32 {
	var t uint32
	gl.GenTextures(1, &t)
	gl.BindTexture(gl.TEXTURE_2D, t)
	gl.PixelStorei(gl.UNPACK_ALIGNMENT, 1)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
	gl.TexImage2D(gl.TEXTURE_2D, 0, internal, int32(w), int32(h), 0, format, kind, gl.Ptr(pix))
	return t
}

// checkGL returns the first GL error pending, naming what was being done.
func checkGL(what string) error {
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("view: %s: GL error 0x%x", what, e)
	}
	return nil
}
