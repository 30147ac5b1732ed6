package view

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"gltrain/live"
)

// The layout, in framebuffer pixels from the top left:
//
//	status line
//	+-----------------+-------------+
//	| decision map    | loss        |
//	| (2-D data), or  +-------------+
//	| confusion       | accuracy    |
//	| matrix          +-------------+
//	|                 | pictures    |
//	+-----------------+-------------+
//	key help
//
// Regression and text runs have no accuracy panel: the loss takes its room.
const (
	pad     = 12
	lineH   = glyphH + 5
	topH    = 2*lineH + pad
	bottomH = 3*lineH + pad
)

var (
	ink      = rgba{0.15, 0.15, 0.15, 1}
	faint    = rgba{0.55, 0.55, 0.55, 1}
	axisInk  = rgba{0.35, 0.35, 0.35, 1}
	panelBg  = rgba{1, 1, 1, 1}
	trainInk = colour(0, 1)
	valInk   = colour(1, 1)
	alertInk = rgba{0.8, 0.1, 0.1, 1}
)

// colour is Palette[k] with alpha a.
func colour(k int, a float32) rgba {
	p := Palette[k%len(Palette)]
	return rgba{float32(p.R) / 255, float32(p.G) / 255, float32(p.B) / 255, a}
}

// placed is where draw put what tests look for.
type placed struct {
	heatmap  image.Rectangle   // the decision map's cells; empty without
	pictures []image.Rectangle // the misclassified images, then the filters (empty where one did not fit)
	plots    []image.Rectangle // the curves' axes: loss, then accuracy where it is measured
}

// draw draws s on a fw×fh framebuffer and says where it put the decision
// map and the pictures.
func (w *Window) draw(s live.Snapshot, spf, fw, fh int) placed {
	r := w.r
	w.placed = placed{}
	r.begin(fw, fh)
	w.status(s, spf, fw)
	w.help(fw, fh)
	top, bottom := float32(topH), float32(fh-bottomH)
	side := min(bottom-top, float32(fw)*0.55)
	left := rectF{pad, top, pad + side, top + side}
	right := rectF{left.x1 + 2*pad, top, float32(fw - pad), bottom}
	switch {
	case w.tex.setBoundary(s.Boundary):
		w.placed.heatmap = w.boundary(s, left)
	case len(s.Confusion) > 0:
		w.confusion(s, left)
	default:
		right.x0 = pad
	}
	pics := len(s.Misclassified) + len(s.Filters)
	// Regression and text runs measure no accuracy: the loss takes its
	// room, and its title says so.
	noAcc := s.Task == "regression" || s.Task == "text"
	share := []float32{0.5, 0.5} // of the column: loss, accuracy where measured, and pictures
	switch {
	case noAcc && pics > 0:
		share = []float32{0.54, 0.46}
	case noAcc:
		share = []float32{1}
	case pics > 0:
		share = []float32{0.27, 0.27, 0.46}
	}
	space := right.y1 - right.y0 - float32(len(share)-1)*pad
	k := 0
	next := func() rectF {
		c := rectF{right.x0, right.y0, right.x1, right.y0 + share[k]*space}
		right.y0, k = c.y1+pad, k+1
		return c
	}
	loss := "loss"
	if noAcc {
		loss = "loss (no accuracy for " + s.Task + ")"
	}
	w.curves(s.Curves, next(), loss, false, func(p live.Point) (float64, float64) { return p.TrainLoss, p.ValLoss })
	if !noAcc {
		w.curves(s.Curves, next(), "accuracy", true, func(p live.Point) (float64, float64) { return p.TrainAcc, p.ValAcc })
	}
	if pics > 0 {
		w.pictures(s, next())
	}
	r.flush()
	return w.placed
}

// rectF is a rectangle in pixels.
type rectF struct{ x0, y0, x1, y1 float32 }

func (c rectF) w() float32 { return c.x1 - c.x0 }
func (c rectF) h() float32 { return c.y1 - c.y0 }

// status is the top lines: the run, where it is, and the state.
func (w *Window) status(s live.Snapshot, spf, fw int) {
	r := w.r
	line := fmt.Sprintf("epoch %d/%d   step %d", s.Epoch, s.Epochs, s.Step)
	if n := len(s.Curves); n > 0 {
		p := s.Curves[n-1]
		line += "   loss " + num(p.TrainLoss) + "   val loss " + num(p.ValLoss)
		if !math.IsNaN(p.ValAcc) {
			line += "   val acc " + pct(p.ValAcc)
		}
	}
	r.text(pad, pad/2, clip(line, fw-2*pad), ink)
	state, c := "training", ink
	switch {
	case s.Err != "":
		state, c = "stopped: "+s.Err, alertInk
	case s.Done:
		state = "done: close the window to exit"
	case s.Paused:
		state, c = "PAUSED (space resumes, s steps once)", alertInk
	}
	if spf > 0 {
		state += fmt.Sprintf("   speed: at most %d steps/frame (1/60 s)", spf)
	} else if spf == 0 {
		state += "   speed: full"
	}
	if s.Run != "" {
		state += "   run " + s.Run
	}
	r.text(pad, pad/2+lineH, clip(state, fw-2*pad), c)
}

// help is the key help at the bottom, on as many of two lines as it
// needs, and the note of the moment above it.
func (w *Window) help(fw, fh int) {
	r := w.r
	y := float32(fh - bottomH + pad/2)
	if w.note != "" {
		r.text(pad, y, clip(w.note, fw-2*pad), alertInk)
	}
	keys := []string{"space pause/resume", "s or → one step", "+/- speed", "r restart, new seed", "p screenshot", "close/Esc: stop (checkpoint kept)"}
	line, lines := "", []string{}
	for _, k := range keys {
		if line != "" && (len(line)+3+len(k))*glyphW > fw-2*pad && len(lines) == 0 {
			lines, line = append(lines, line), ""
		}
		if line != "" {
			line += "   "
		}
		line += k
	}
	for i, l := range append(lines, line) {
		r.text(pad, y+float32(i+1)*lineH, clip(l, fw-2*pad), faint)
	}
}

// clip cuts s to fit width pixels, ending it in "..." where it is cut.
func clip(s string, width int) string {
	n, rs := max(width/glyphW, 0), []rune(ascii.Replace(s))
	if len(rs) > n {
		if n < 3 {
			return ""
		}
		return string(rs[:n-3]) + "..."
	}
	return string(rs)
}

// maxMarkers is the most points of each set (training, validation) the
// map shows, evenly chosen (the -serve page shows 2000): a 2-feature CSV
// file of 200,000 rows drew a marker for each, which hid the map under
// them, and its 5 epochs trained in 1.7 s with the window (llvmpipe, on
// the cores that train) against 0.4 s without; 0.4 s with this limit.
const maxMarkers = 1000

// boundary draws the decision map (whose textures are set) with at most
// maxMarkers of each set's points over it, and returns the map's
// rectangle.
func (w *Window) boundary(s live.Snapshot, c rectF) image.Rectangle {
	r, b := w.r, s.Boundary
	// A square as large as fits, in whole pixels: the cells are scaled by
	// nearest sampling, so each is a block of equal pixels.
	side := int(min(c.w(), c.h()-2*lineH-4))
	x0, y0 := int(c.x0), int(c.y0)
	rect := image.Rect(x0, y0, x0+side, y0+side)
	fx0, fy0, fx1, fy1 := float32(rect.Min.X), float32(rect.Min.Y), float32(rect.Max.X), float32(rect.Max.Y)
	classes := max(len(s.Classes), maxClass(b)+1)
	r.heatmapQuad(w.tex.cls, w.tex.conf, classes, fx0, fy0, fx1, fy1)
	at := func(p live.Sample) (float32, float32) {
		return fx0 + float32((float64(p.X)-b.XMin)/(b.XMax-b.XMin))*(fx1-fx0),
			fy0 + float32((b.YMax-float64(p.Y))/(b.YMax-b.YMin))*(fy1-fy0)
	}
	const m = 3 // a marker's half width
	for _, p := range live.Evenly(b.Train, maxMarkers) {
		x, y := at(p)
		r.rect(x-m-1, y-m-1, x+m+1, y+m+1, rgba{1, 1, 1, 1})
		r.rect(x-m, y-m, x+m, y+m, colour(p.Class, 1))
	}
	for _, p := range live.Evenly(b.Val, maxMarkers) { // rings: a white middle
		x, y := at(p)
		r.rect(x-m-1, y-m-1, x+m+1, y+m+1, rgba{1, 1, 1, 1})
		r.frame(x-m, y-m, x+m, y+m, 2, colour(p.Class, 1))
	}
	r.frame(fx0-1, fy0-1, fx1+1, fy1+1, 1, axisInk)
	ty := fy1 + 4
	r.text(fx0, ty, fmt.Sprintf("x1 %s..%s  x2 %s..%s", num(b.XMin), num(b.XMax), num(b.YMin), num(b.YMax)), faint)
	x := fx0
	for k := 0; k < classes; k++ {
		name := strconv.Itoa(k)
		if k < len(s.Classes) {
			name = s.Classes[k]
		}
		r.rect(x, ty+lineH+2, x+8, ty+lineH+10, colour(k, 1))
		x += 12 + r.text(x+12, ty+lineH, name, ink) + 8
	}
	r.text(x, ty+lineH, "(filled: training, hollow: validation)", faint)
	return rect
}

func maxClass(b *live.Boundary) int {
	m := 0
	for _, k := range b.Class {
		m = max(m, int(k))
	}
	return m
}

// confusion draws the validation confusion matrix, each row shaded by the
// share of that true class predicted as each class.
func (w *Window) confusion(s live.Snapshot, c rectF) {
	r, k := w.r, len(s.Confusion)
	longest := 0 // the longest class name, with room for "12 " before it
	for _, name := range s.Classes {
		longest = max(longest, textW(name)+3*glyphW)
	}
	label := min(float32(min(max(longest, 8*glyphW), 16*glyphW)), c.w()/4)
	cell := min((c.w()-label)/float32(k), (c.h()-label-lineH)/float32(k))
	rows, cols := confusionLabels(s.Classes, k, int(label)-2, int(cell))
	r.text(c.x0, c.y0, "confusion (rows: true class, columns: predicted)", ink)
	ox, oy := c.x0+label, c.y0+lineH+label
	for i, row := range s.Confusion {
		total := 0
		for _, n := range row {
			total += n
		}
		for j, n := range row {
			share := float32(0)
			if total > 0 {
				share = float32(n) / float32(total)
			}
			x, y := ox+float32(j)*cell, oy+float32(i)*cell
			base := colour(0, 1)
			if i != j {
				base = colour(3, 1)
			}
			r.rect(x, y, x+cell-1, y+cell-1, rgba{1 - share*(1-base[0]), 1 - share*(1-base[1]), 1 - share*(1-base[2]), 1})
			if t := strconv.Itoa(n); cell >= float32(len(t)*glyphW+4) && cell >= glyphH+2 {
				ic := ink
				if share > 0.6 {
					ic = rgba{1, 1, 1, 1}
				}
				r.text(x+(cell-float32(len(t)*glyphW))/2, y+(cell-glyphH)/2, t, ic)
			}
		}
		r.text(c.x0, oy+float32(i)*cell+(cell-glyphH)/2, rows[i], ink)
		r.text(ox+float32(i)*cell+(cell-float32(textW(cols[i])))/2, oy-lineH, cols[i], ink)
	}
}

// confusionLabels are the k rows' and columns' labels of the confusion
// matrix, fitted to rowW and colW pixels. Names that all fit label both;
// otherwise the columns show each class's number and the rows "number
// name", clipped, so that rows and columns still correspond (30 classes
// named class_00_… showed "clas..." on every row and no column label).
func confusionLabels(classes []string, k, rowW, colW int) (rows, cols []string) {
	names := make([]string, k)
	fit := true
	for i := range names {
		names[i] = strconv.Itoa(i)
		if i < len(classes) {
			names[i] = classes[i]
		}
		fit = fit && textW(names[i]) <= rowW && textW(names[i])+2 <= colW
	}
	rows, cols = make([]string, k), make([]string, k)
	for i, name := range names {
		rows[i], cols[i] = name, name
		if !fit {
			rows[i], cols[i] = clip(strconv.Itoa(i)+" "+name, rowW), strconv.Itoa(i)
		}
		if textW(cols[i])+2 > colW {
			cols[i] = ""
		}
	}
	return rows, cols
}

// textW is the width of s drawn, in pixels.
func textW(s string) int { return len([]rune(ascii.Replace(s))) * glyphW }

// curves draws the training (blue) and validation (orange) series of get
// against the step; fraction curves run from 0 to 100%.
func (w *Window) curves(pts []live.Point, c rectF, title string, fraction bool, get func(live.Point) (float64, float64)) {
	r := w.r
	r.rect(c.x0, c.y0, c.x1, c.y1, panelBg)
	r.frame(c.x0, c.y0, c.x1, c.y1, 1, axisInk)
	x := c.x0 + 6 + r.text(c.x0+6, c.y0+4, title, ink) + 12
	x += r.text(x, c.y0+4, "training", trainInk) + 12
	r.text(x, c.y0+4, "validation", valInk)
	lo, hi := math.Inf(1), math.Inf(-1)
	var s0, s1 int64 = math.MaxInt64, math.MinInt64
	for _, p := range pts {
		a, b := get(p)
		for _, v := range []float64{a, b} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		s0, s1 = min(s0, p.Step), max(s1, p.Step)
	}
	if fraction {
		lo, hi = 0, 1
	}
	if lo > hi || s0 > s1 {
		r.text(c.x0+6, c.y0+4+lineH, "no points yet", faint)
		return
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	if s1 == s0 { // one point: the axis from step 0
		s0, s1 = 0, max(s1, 1)
	}
	label := func(v float64) string {
		if fraction {
			return pct(v)
		}
		return num(v)
	}
	// The gutter fits the longer of the two labels ("0.001992",
	// "-1.234e+05"), which overran the axis when it was 8 glyphs less 4
	// pixels wide.
	gutter := float32(max(len(label(hi)), len(label(lo)), 6)*glyphW + 10)
	plot := rectF{c.x0 + gutter, c.y0 + lineH + 8, c.x1 - 10, c.y1 - lineH - 4}
	r.text(c.x0+4, plot.y0-glyphH/2, label(hi), faint)
	r.text(c.x0+4, plot.y1-glyphH/2, label(lo), faint)
	start := "step " + strconv.FormatInt(max(s0, 0), 10)
	end := "step " + strconv.FormatInt(s1, 10) + ", epoch " + strconv.Itoa(pts[len(pts)-1].Epoch)
	if plot.w() > float32((len(start)+len(end)+2)*glyphW) {
		r.text(plot.x0, plot.y1+4, start, faint)
	}
	r.text(plot.x1-float32(len(end)*glyphW), plot.y1+4, end, faint)
	r.line(plot.x0, plot.y1, plot.x1, plot.y1, 1, axisInk)
	r.line(plot.x0, plot.y0, plot.x0, plot.y1, 1, axisInk)
	at := func(p live.Point, v float64) (float32, float32) {
		return plot.x0 + float32(float64(p.Step-s0)/float64(s1-s0))*plot.w(),
			plot.y1 - float32((v-lo)/(hi-lo))*plot.h()
	}
	// A marker a point while they are far apart. The line goes through
	// each pixel column's least and greatest value (decimate), so that a
	// long run's curves cost the frame a few segments a column, not
	// thousands, and keep their spikes: drawing the last point of each
	// column lost a validation loss that fell to 0.002 at one epoch of
	// thousands.
	markers := float32(len(pts)) <= plot.w()/8
	for series, ink := range []rgba{trainInk, valInk} {
		value := func(i int) (float32, float32, bool) {
			a, b := get(pts[i])
			v := []float64{a, b}[series]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, false
			}
			x, y := at(pts[i], v)
			return x, y, true
		}
		r.series(decimate(len(pts), value), 2, ink)
		if markers {
			for i := range pts {
				if x, y, ok := value(i); ok {
					r.rect(x-2, y-2, x+2, y+2, ink)
				}
			}
		}
	}
	w.placed.plots = append(w.placed.plots, image.Rect(int(plot.x0), int(plot.y0), int(plot.x1), int(plot.y1)))
}

// pictures draws the misclassified images with their labels, then the
// first convolution layer's filters, in rows of at least 8 (one that does
// not fit is left out).
func (w *Window) pictures(s live.Snapshot, c rectF) {
	r := w.r
	tex := w.tex.setPictures(s.Misclassified, s.Filters)
	const gap = 6
	size := float32(int(min(56, max(16, (c.w()+gap)/8-gap)))) // whole pixels
	y := float32(int(c.y0))
	i := 0
	for _, l := range []struct {
		title  string
		images []live.Image
	}{{"misclassified (true -> predicted)", s.Misclassified}, {"first convolution's filters", s.Filters}} {
		if len(l.images) == 0 {
			continue
		}
		r.text(c.x0, y, l.title, ink)
		y += lineH
		x := float32(int(c.x0))
		for _, im := range l.images {
			if x+size > c.x1 { // the next row
				x, y = float32(int(c.x0)), y+size+lineH+2
			}
			if y+size > c.y1 {
				w.placed.pictures = append(w.placed.pictures, image.Rectangle{})
				i++
				continue
			}
			r.picture(tex[i], x, y, x+size, y+size)
			w.placed.pictures = append(w.placed.pictures, image.Rect(int(x), int(y), int(x+size), int(y+size)))
			label := []rune(ascii.Replace(im.Label))
			r.text(x, y+size+2, string(label[:min(len(label), int(size+gap-1)/glyphW)]), ink)
			x += size + gap
			i++
		}
		y += size + lineH + 8
	}
}

// num formats v in 4 significant digits.
func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// pct formats a fraction as a percentage.
func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}
