package serve

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"

	"gltrain/live"
)

// pngCache keeps the last encodings: a snapshot's pictures are immutable,
// so one is encoded once however many events carry it.
type pngCache struct {
	boundary    *live.Boundary
	boundaryPNG []byte
	wrong       imageSet
	filters     imageSet
}

// imageSet is a list of images and their events.
type imageSet struct {
	first  *float32 // the first image's first pixel: the list's identity
	n      int
	events []ImageEvent
}

// images is imgs as events, from set when they are the ones it holds.
func (c *pngCache) images(set *imageSet, imgs []live.Image) []ImageEvent {
	if len(imgs) == 0 {
		return nil
	}
	var first *float32
	if len(imgs[0].Pix) > 0 {
		first = &imgs[0].Pix[0]
	}
	if set.first == first && set.n == len(imgs) && first != nil {
		return set.events
	}
	set.first, set.n, set.events = first, len(imgs), make([]ImageEvent, len(imgs))
	for i, im := range imgs {
		set.events[i] = ImageEvent{URL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(encodePNG(picture(im))), Label: im.Label, W: im.W, H: im.H}
	}
	return set.events
}

// picture is im as an image: grey or RGB, values in [0, 1] to 0…255.
func picture(im live.Image) image.Image {
	byteOf := func(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }
	r := image.Rect(0, 0, im.W, im.H)
	if im.C != 3 {
		g := image.NewGray(r)
		for i := range min(len(g.Pix), len(im.Pix)/max(im.C, 1)) {
			g.Pix[i] = byteOf(im.Pix[i*max(im.C, 1)])
		}
		return g
	}
	rgba := image.NewRGBA(r)
	for i := range min(im.W*im.H, len(im.Pix)/3) {
		rgba.SetRGBA(i%im.W, i/im.W, color.RGBA{byteOf(im.Pix[3*i]), byteOf(im.Pix[3*i+1]), byteOf(im.Pix[3*i+2]), 255})
	}
	return rgba
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	(&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img) // a bytes.Buffer does not fail
	return b.Bytes()
}

// BoundaryImage is the decision map as an image: each cell in the tint of
// its class (live.Tint), row 0 at the top.
func BoundaryImage(b *live.Boundary) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, b.W, b.H))
	for i, k := range b.Class {
		img.SetRGBA(i%b.W, i/b.W, live.Tint(live.ClassColour(int(k))))
	}
	return img
}

// boundaryPNG is GET /boundary.png: the current decision map (whatever
// the step its URL names: the page asks again at the next), 404 without.
func (s *Server) boundaryPNG(w http.ResponseWriter, r *http.Request) {
	b := s.hub.Snapshot().Boundary
	if b == nil || len(b.Class) != b.W*b.H {
		http.Error(w, "no decision boundary: the data is not 2-D, or none is evaluated yet", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	if s.png.boundary != b {
		s.png.boundary, s.png.boundaryPNG = b, encodePNG(BoundaryImage(b))
	}
	data := s.png.boundaryPNG
	s.mu.Unlock()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}
