package view

import (
	"image"
	"image/draw"

	"github.com/go-gl/gl/v3.3-core/gl"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The text: golang.org/x/image's basicfont (7×13 pixels, printable ASCII)
// rasterised once into an atlas texture, a cell per character, and a white
// cell at the end that the solid shapes sample.

const (
	glyphW, glyphH = 7, 13
	firstGlyph     = ' '
	glyphCount     = '~' - ' ' + 1 // printable ASCII
)

// atlas is the font's texture: glyphCount cells, then the white one.
type atlas struct {
	tex uint32
	w   float32 // width in pixels
}

// newAtlas draws the glyphs with font.Drawer and uploads them (R8).
func newAtlas() *atlas {
	w := int(glyphCount+1) * glyphW
	img := image.NewAlpha(image.Rect(0, 0, w, glyphH))
	d := font.Drawer{Dst: img, Src: image.Opaque, Face: basicfont.Face7x13}
	for i := 0; i < glyphCount; i++ {
		d.Dot = fixed.P(i*glyphW, basicfont.Face7x13.Ascent)
		d.DrawString(string(rune(firstGlyph + i)))
	}
	draw.Draw(img, image.Rect(glyphCount*glyphW, 0, w, glyphH), image.Opaque, image.Point{}, draw.Src)
	tex := newTexture(gl.R8, w, glyphH, gl.RED, gl.UNSIGNED_BYTE, img.Pix)
	return &atlas{tex: tex, w: float32(w)}
}

func (a *atlas) release() { gl.DeleteTextures(1, &a.tex) }

// white is the middle of the white cell.
func (a *atlas) white() (u, v float32) {
	return (float32(glyphCount*glyphW) + glyphW/2) / a.w, 0.5
}

// glyph is ch's cell; characters outside printable ASCII show as '?'.
func (a *atlas) glyph(ch rune) (u0, v0, u1, v1 float32) {
	i := int(ch - firstGlyph)
	if i < 0 || i >= glyphCount {
		i = int('?' - firstGlyph)
	}
	return float32(i*glyphW) / a.w, 0, float32((i+1)*glyphW) / a.w, 1
}
