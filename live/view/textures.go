package view

import (
	"image"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/go-gl/gl/v3.3-core/gl"

	"gltrain/internal/safefile"
	"gltrain/live"
)

// textures holds what a snapshot shows as textures: the decision map's
// class and confidence, and the pictures (misclassified images, filters).
// They are made again when a new snapshot comes.
type textures struct {
	cls, conf uint32
	boundary  *live.Boundary // what cls and conf hold
	pictures  []uint32
	images    [][]live.Image // what pictures hold, for sameImages
}

// setBoundary uploads b's classes (R8UI) and confidences (R32F; 1 where b
// has none): 5 bytes a cell, 200 KB for 200×200.
func (t *textures) setBoundary(b *live.Boundary) bool {
	if b == nil || len(b.Class) != b.W*b.H || b.W <= 0 {
		return false
	}
	if b == t.boundary {
		return true
	}
	t.releaseBoundary()
	conf := b.Conf
	if len(conf) != len(b.Class) {
		conf = make([]float32, len(b.Class))
		for i := range conf {
			conf[i] = 1
		}
	}
	t.cls = newTexture(gl.R8UI, b.W, b.H, gl.RED_INTEGER, gl.UNSIGNED_BYTE, b.Class)
	t.conf = newTexture(gl.R32F, b.W, b.H, gl.RED, gl.FLOAT, conf)
	t.boundary = b
	return true
}

func (t *textures) releaseBoundary() {
	if t.boundary != nil {
		gl.DeleteTextures(1, &t.cls)
		gl.DeleteTextures(1, &t.conf)
		t.boundary = nil
	}
}

// setPictures uploads each image of the lists, in order, once per change.
func (t *textures) setPictures(lists ...[]live.Image) []uint32 {
	if sameImages(t.images, lists) {
		return t.pictures
	}
	t.releasePictures()
	for _, l := range lists {
		for _, im := range l {
			t.pictures = append(t.pictures, newTexture(gl.RGBA8, max(im.W, 1), max(im.H, 1), gl.RGBA, gl.UNSIGNED_BYTE, toRGBA(im).Pix))
		}
	}
	t.images = lists
	return t.pictures
}

func sameImages(a, b [][]live.Image) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			x, y := a[i][j], b[i][j]
			if x.Label != y.Label || len(x.Pix) != len(y.Pix) || (len(x.Pix) > 0 && &x.Pix[0] != &y.Pix[0]) {
				return false
			}
		}
	}
	return true
}

func (t *textures) releasePictures() {
	if len(t.pictures) > 0 {
		gl.DeleteTextures(int32(len(t.pictures)), &t.pictures[0])
	}
	t.pictures, t.images = nil, nil
}

func (t *textures) release() { t.releaseBoundary(); t.releasePictures() }

// toRGBA converts a live.Image (grey or RGB, HWC, in [0, 1]) to 8-bit RGBA;
// one that does not hold W·H·C values shows as grey.
func toRGBA(im live.Image) *image.RGBA {
	w, h := max(im.W, 1), max(im.H, 1)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	ok := (im.C == 1 || im.C == 3) && len(im.Pix) == im.W*im.H*im.C
	byte8 := func(v float32) uint8 {
		if !(v >= 0) { // and NaN
			return 0
		}
		return uint8(math.Round(float64(min(v, 1)) * 255))
	}
	for i := 0; i < w*h; i++ {
		r, g, b := uint8(128), uint8(128), uint8(128)
		if ok && im.C == 1 {
			r = byte8(im.Pix[i])
			g, b = r, r
		} else if ok {
			r, g, b = byte8(im.Pix[3*i]), byte8(im.Pix[3*i+1]), byte8(im.Pix[3*i+2])
		}
		copy(out.Pix[4*i:], []uint8{r, g, b, 255})
	}
	return out
}

// readPixels reads the default framebuffer's back buffer (the frame just
// drawn), top row first.
func readPixels(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	gl.PixelStorei(gl.PACK_ALIGNMENT, 1)
	gl.ReadBuffer(gl.BACK)
	gl.ReadPixels(0, 0, int32(w), int32(h), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(img.Pix))
	// GL's rows run upwards.
	row := make([]uint8, 4*w)
	for y := 0; y < h/2; y++ {
		a, b := img.Pix[y*4*w:(y+1)*4*w], img.Pix[(h-1-y)*4*w:(h-y)*4*w]
		copy(row, a)
		copy(a, b)
		copy(b, row)
	}
	return img
}

// screenshot draws s again, reads it and writes it, atomically, as
// gltrain-view-epochN.png in the run folder (Options.Dir without one).
func (w *Window) screenshot(s live.Snapshot) (string, error) {
	dir := s.Run
	if dir == "" {
		dir = w.o.Dir
	}
	if dir == "" {
		dir = "."
	}
	fw, fh := w.win.GetFramebufferSize()
	w.draw(s, w.spf, fw, fh)
	img := readPixels(fw, fh)
	path := filepath.Join(dir, "gltrain-view-epoch"+strconv.Itoa(s.Epoch)+".png")
	return path, safefile.WriteAtomic(path, func(f io.Writer) error { return png.Encode(f, img) })
}
