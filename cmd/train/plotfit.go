package main

// Pictures that fit: titles that fit the canvas, curve axes with round
// ticks, and ranges padded so that the markers at their ends stay inside.

import (
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// titleMargin is the room kept free on each side of a title, and
// minTitleSize the smallest size a long title shrinks to before it is
// wrapped onto a third line or cut.
const (
	titleMargin  = 6 * vg.Millimeter / 2
	minTitleSize = vg.Length(8)
)

// fitTitle makes p's title fit a canvas width wide, measured with the
// title's own font: a title that is too wide is wrapped onto two lines at
// spaces, then shrunk a point at a time down to minTitleSize, and a line
// still too wide then (a long word) loses its middle to "…". gonum/plot
// centres the title over the canvas, so an unfitted one is cut on both
// sides.
func fitTitle(p *plot.Plot, width vg.Length) {
	avail := width - 2*titleMargin
	st := &p.Title.TextStyle
	text := strings.Join(strings.Fields(p.Title.Text), " ")
	if text == "" || st.Width(text) <= avail {
		return
	}
	var lines []string
	for size := st.Font.Size; ; size-- {
		st.Font.Size = max(size, minTitleSize)
		lines = wrapLines(text, avail, func(s string) vg.Length { return st.Width(s) })
		if len(lines) <= 2 && st.Width(strings.Join(lines, "\n")) <= avail {
			break
		}
		if size <= minTitleSize {
			if len(lines) > 2 { // the rest of the words on the second line, cut below
				lines = []string{lines[0], strings.Join(lines[1:], " ")}
			}
			for i, l := range lines {
				lines[i] = elide(l, avail, func(s string) vg.Length { return st.Width(s) })
			}
			break
		}
	}
	p.Title.Text = strings.Join(lines, "\n")
}

// wrapLines breaks text at spaces into lines no wider than avail, greedily;
// a word wider than avail is a line of its own.
func wrapLines(text string, avail vg.Length, width func(string) vg.Length) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case width(line+" "+w) <= avail:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}

// elide cuts the middle of s, as few runes as it must, putting "…" in its
// place, so that it is no wider than avail.
func elide(s string, avail vg.Length, width func(string) vg.Length) string {
	if width(s) <= avail {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // keep: the most runes that fit
	for lo < hi {
		k := (lo + hi + 1) / 2
		if width(keepEnds(r, k)) <= avail {
			lo = k
		} else {
			hi = k - 1
		}
	}
	return keepEnds(r, lo)
}

// keepEnds is r with only k runes kept, half from each end, joined by "…".
func keepEnds(r []rune, k int) string {
	head := (k + 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(k-head):])
}

// curvePad is the share of a curve axis's span added at each end, so that a
// marker at an end (2.5 points across its centre) stays inside the axes:
// 4% of a data area about 380 points wide is 15 points.
const curvePad = 0.04

// curveAxis sets ax for values from lo to hi: a tick at every multiple of a
// round step (1, 2 or 5 times a power of ten, at least minStep: 1 for
// epochs and steps), about five of them, and the range padded by curvePad
// at each end (a single value gets a range around it).
func curveAxis(ax *plot.Axis, lo, hi, minStep float64) {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi < lo {
		lo, hi = 0, 1
	}
	if span := hi - lo; span < 1e-9*math.Max(1, math.Abs(lo)) { // one value
		half := math.Max(minStep/2, 0.05*math.Abs(lo))
		if half == 0 {
			half = 0.5
		}
		lo, hi = lo-half, hi+half
	}
	span := hi - lo
	step := math.Max(minStep, niceStep(span, 5))
	ax.Min, ax.Max = lo-curvePad*span, hi+curvePad*span
	ax.Tick.Marker = roundTicks{step}
}

// extent is the least and greatest finite y of the points.
func extent(ys ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range ys {
		for _, y := range s {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
	}
	return lo, hi
}
