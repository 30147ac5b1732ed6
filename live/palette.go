package live

import "image/color"

// Palette colours the classes, as the train command's pictures do
// (matplotlib's tab10): points in the full colour, regions in Tint's.
var Palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// ClassColour is class k's colour (the palette repeats past 10 classes).
func ClassColour(k int) color.RGBA { return Palette[k%len(Palette)] }

// Tint is the light tint of c a class's region is drawn in: 30% of c on
// white.
//
//	tint(v) = 0.3·v + 0.7·255
func Tint(c color.RGBA) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(0.3*float64(v) + 0.7*255) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255}
}
