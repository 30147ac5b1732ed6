package view

import (
	"image/color"
	"math"

	"gltrain/live"
)

// Palette colours the classes (class k takes Palette[k%10]): live.Palette,
// the colours of train's PNG plots and the -serve page.
var Palette = live.Palette

// Shade is the colour the window gives a decision-map cell of class k where
// the model's probability for it is conf, among classes classes: the class's
// colour mixed with white, the more of it the surer the model,
//
//	a = 0.2 + 0.5·clamp((conf − 1/classes) / (1 − 1/classes), 0, 1)
//	colour = (1 − a)·white + a·Palette[k]
//
// (1/classes is the least a most-likely class can have; 1/2 for fewer than 2
// classes). The heatmap's fragment shader computes the same; Shade is its
// reference, and what tests read the window's pixels back with.
func Shade(k int, conf float32, classes int) color.RGBA {
	lo := 1 / math.Max(float64(classes), 2)
	s := math.Min(math.Max((float64(conf)-lo)/(1-lo), 0), 1)
	if math.IsNaN(s) {
		s = 0
	}
	a := 0.2 + 0.5*s
	p := Palette[k%len(Palette)]
	mix := func(v uint8) uint8 { return uint8(math.Round((1-a)*255 + a*float64(v))) }
	return color.RGBA{mix(p.R), mix(p.G), mix(p.B), 255}
}

// ClassOf reads a heatmap pixel back: the class (below classes) whose
// shades, from the palest to the fullest, pass nearest to c, and that
// distance in 8-bit units (Euclidean in RGB).
func ClassOf(c color.RGBA, classes int) (k int, dist float64) {
	dist = math.Inf(1)
	for j := 0; j < classes; j++ {
		p := Palette[j%len(Palette)]
		// The shades lie on the segment from white (a=0) towards p; project c on it.
		dr, dg, db := float64(p.R)-255, float64(p.G)-255, float64(p.B)-255
		cr, cg, cb := float64(c.R)-255, float64(c.G)-255, float64(c.B)-255
		t := (cr*dr + cg*dg + cb*db) / (dr*dr + dg*dg + db*db)
		t = math.Min(math.Max(t, 0.2), 0.7)
		d := math.Sqrt(sq(cr-t*dr) + sq(cg-t*dg) + sq(cb-t*db))
		if d < dist {
			k, dist = j, d
		}
	}
	return k, dist
}

func sq(x float64) float64 { return x * x }
