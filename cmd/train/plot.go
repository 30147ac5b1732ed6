package main

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"gltrain/internal/safefile"
	"gltrain/live"
	"gltrain/nn"
	"gltrain/nn/data"
)

// decisionBoundaryFile, lossCurveFile and accuracyCurveFile are the
// pictures' names in the run folder.
const (
	decisionBoundaryFile = "gltrain-decision-boundary.png"
	lossCurveFile        = "gltrain-loss.png"
	accuracyCurveFile    = "gltrain-accuracy.png"
	r2CurveFile          = "gltrain-r2.png" // a regression's, instead of the accuracy
)

// boundaryWidth is the width of the decision boundary's plot, and
// legendWidth that of the legend beside it.
const (
	boundaryWidth = 5 * vg.Inch
	legendWidth   = 1.3 * vg.Inch
)

// plotDecisionBoundary colours a 200×200 grid over the points by the class
// the model predicts there, and draws the points on top: training points
// filled, held-out points as rings, with a legend beside the plot. Both axes
// have the same scale (a unit is as long across as up) and ticks at round
// values, the axes' ends among them.
func plotDecisionBoundary(path string, m *nn.Model, train, held data.Set, heldName, title string) error {
	p, legend, err := boundaryPlot(m, train, held, heldName, title)
	if err != nil {
		return err
	}
	h := equalAspectHeight(p, boundaryWidth, (p.Y.Max-p.Y.Min)/(p.X.Max-p.X.Min))
	return writePNG(path, boundaryWidth+legendWidth, h, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, -legendWidth, 0, 0))
		legend.Draw(draw.Crop(c, boundaryWidth+vg.Points(6), 0, 0, -vg.Points(24)))
	})
}

// boundaryPlot is the decision boundary's plot and its legend.
func boundaryPlot(m *nn.Model, train, held data.Set, heldName, title string) (*plot.Plot, plot.Legend, error) {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range []data.Set{train, held} {
		for i := 0; i < s.Len(); i++ {
			x, y := float64(s.X[2*i]), float64(s.X[2*i+1])
			minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
		}
	}
	padX, padY := 0.05*(maxX-minX)+1e-3, 0.05*(maxY-minY)+1e-3
	step := niceStep(math.Max(maxX-minX+2*padX, maxY-minY+2*padY), 5)
	minX, maxX = roundRange(minX-padX, maxX+padX, step)
	minY, maxY = roundRange(minY-padY, maxY+padY, step)
	const n = 200
	grid := make([]float32, 0, 2*n*n)
	for r := 0; r < n; r++ {
		y := maxY - (float64(r)+0.5)/n*(maxY-minY) // image rows run downwards
		for c := 0; c < n; c++ {
			grid = append(grid, float32(minX+(float64(c)+0.5)/n*(maxX-minX)), float32(y))
		}
	}
	classes, err := nn.Predict(prepared(m), grid)
	if err != nil {
		return nil, plot.Legend{}, err
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i, k := range classes {
		img.SetRGBA(i%n, i/n, live.Tint(live.ClassColour(k)))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "x₁", "x₂"
	p.X.Tick.Marker, p.Y.Tick.Marker = roundTicks{step}, roundTicks{step}
	p.Add(plotter.NewImage(img, minX, minY, maxX, maxY))
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	classCount := max(train.Classes, held.Classes)
	for k := 0; k < classCount; k++ {
		colour := live.ClassColour(k)
		added := false
		for _, s := range []struct {
			set   data.Set
			glyph draw.GlyphDrawer
		}{{train, draw.CircleGlyph{}}, {held, ringGlyph{width: vg.Points(1.2)}}} {
			pts := classPoints(s.set, k)
			if len(pts) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, plot.Legend{}, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: colour, Radius: vg.Points(2.4), Shape: s.glyph}
			p.Add(sc)
			if !added {
				legend.Add(className(train.ClassNames, k), glyphThumb{draw.GlyphStyle{Color: colour, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}})
				added = true
			}
		}
	}
	grey := color.RGBA{60, 60, 60, 255}
	legend.Add("training", glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}})
	if held.Len() > 0 {
		legend.Add(heldName, glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(3), Shape: ringGlyph{width: vg.Points(1.2)}}})
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = minX, maxX, minY, maxY
	fitTitle(p, boundaryWidth)
	return p, legend, nil
}

// classPoints returns the points of s of class k.
func classPoints(s data.Set, k int) plotter.XYs {
	var pts plotter.XYs
	for i := 0; i < s.Len(); i++ {
		if s.Labels[i] == k {
			pts = append(pts, plotter.XY{X: float64(s.X[2*i]), Y: float64(s.X[2*i+1])})
		}
	}
	return pts
}

func className(names []string, k int) string {
	if k < len(names) {
		return names[k]
	}
	return fmt.Sprintf("class %d", k)
}

// equalAspectHeight returns the height of a canvas w wide on which p's data
// area is ratio (the y range over the x range) times as high as wide, so
// that both axes have the same scale. The axes, title and labels take the
// same room at any height, which DataCanvas measures on a trial canvas; the
// ratio is kept within [1/4, 4] so that a degenerate range cannot make a
// picture of a sliver.
func equalAspectHeight(p *plot.Plot, w vg.Length, ratio float64) vg.Length {
	ratio = math.Min(4, math.Max(0.25, ratio))
	h := w
	for range 2 { // the second pass corrects for padding that depends on h
		dc := p.DataCanvas(draw.New(vgimg.New(w, h)))
		dw, dh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		h = h - dh + dw*vg.Length(ratio)
	}
	return h
}

// ringGlyph is a hollow circle with a stroke of width: draw.RingGlyph's
// half-point stroke is hard to see over the coloured regions.
type ringGlyph struct{ width vg.Length }

func (g ringGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	var path vg.Path
	path.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	path.Arc(pt, sty.Radius, 0, 2*math.Pi)
	path.Close()
	c.Stroke(path)
}

// glyphThumb is a legend entry's picture: one glyph.
type glyphThumb struct{ style draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(g.style, c.Center())
}

// niceStep returns a round step, 1, 2 or 5 times a power of ten, that cuts
// span into about n parts.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// roundRange widens [lo, hi] to multiples of step.
func roundRange(lo, hi, step float64) (float64, float64) {
	return math.Floor(lo/step+1e-9) * step, math.Ceil(hi/step-1e-9) * step
}

// roundTicks is a plot.Ticker with a major tick at every multiple of step
// in the range, labelled with the decimals the step needs and no more
// ("0.5", "1.0", "1.5"; never 0.30000000000000004).
type roundTicks struct{ step float64 }

func (t roundTicks) Ticks(lo, hi float64) []plot.Tick {
	decimals := max(0, -int(math.Floor(math.Log10(t.step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/t.step - 1e-9); k <= math.Floor(hi/t.step+1e-9); k++ {
		v := k * t.step
		if k == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// curveWidth and curveHeight are the size of the curves' pictures.
const (
	curveWidth  = 6 * vg.Inch
	curveHeight = 4 * vg.Inch
)

// plotAccuracy draws each epoch's training accuracy (the mean over its
// steps, as the epoch lines print it) and held-out accuracy, in percent,
// against the epoch.
func plotAccuracy(path string, h *nn.History, heldName, title string) error {
	p, err := accuracyPlot(h, heldName, title)
	if err != nil || p == nil {
		return err
	}
	return savePNG(p, curveWidth, curveHeight, path)
}

// accuracyPlot is plotAccuracy's plot (nil without an epoch).
func accuracyPlot(h *nn.History, heldName, title string) (*plot.Plot, error) {
	if len(h.Epochs) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "epoch", "accuracy (%)"
	var trainPts, heldPts plotter.XYs
	for _, e := range h.Epochs {
		if !math.IsNaN(e.Accuracy) {
			trainPts = append(trainPts, plotter.XY{X: float64(e.Epoch), Y: 100 * e.Accuracy})
		}
		if !math.IsNaN(e.ValAccuracy) {
			heldPts = append(heldPts, plotter.XY{X: float64(e.Epoch), Y: 100 * e.ValAccuracy})
		}
	}
	if err := addLines(p, []series{{trainPts, "training", color.RGBA{31, 119, 180, 255}}, {heldPts, heldName, color.RGBA{214, 39, 40, 255}}}); err != nil {
		return nil, err
	}
	curveAxis(&p.X, float64(h.Epochs[0].Epoch), float64(h.Epochs[len(h.Epochs)-1].Epoch), 1)
	lo, hi := extent(ys(trainPts), ys(heldPts))
	if hi-lo < 2 { // one value, or nearly: a few points of range around it
		lo, hi = lo-1, hi+1
	}
	curveAxis(&p.Y, lo, hi, 0)
	p.Legend.Top, p.Legend.Left = false, false
	fitTitle(p, curveWidth)
	return p, nil
}

// plotLoss draws every step's loss, each epoch's mean, and the held-out
// loss per epoch, against the step; h.StepLoss[0] is step first.
func plotLoss(path string, h *nn.History, first int, heldName, title string) error {
	p, err := lossPlot(h, first, heldName, title)
	if err != nil {
		return err
	}
	return savePNG(p, curveWidth, curveHeight, path)
}

// lossPlot is plotLoss's plot.
func lossPlot(h *nn.History, first int, heldName, title string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "step", "loss"
	steps := make(plotter.XYs, len(h.StepLoss))
	for i, l := range h.StepLoss {
		steps[i] = plotter.XY{X: float64(first + i), Y: float64(l)}
	}
	if len(steps) > 0 {
		line, err := plotter.NewLine(steps)
		if err != nil {
			return nil, err
		}
		line.Color = color.NRGBA{R: 31, G: 119, B: 180, A: 90}
		p.Add(line)
		p.Legend.Add("step", line)
	}
	var mean, held plotter.XYs
	step := first - 1
	for _, e := range h.Epochs {
		step += e.Steps
		if e.GlobalStep > 0 {
			step = e.GlobalStep
		}
		mean = append(mean, plotter.XY{X: float64(step), Y: e.Loss})
		if !math.IsNaN(e.ValLoss) {
			held = append(held, plotter.XY{X: float64(step), Y: e.ValLoss})
		}
	}
	if err := addLines(p, []series{{mean, "epoch mean", color.RGBA{31, 119, 180, 255}}, {held, heldName, color.RGBA{214, 39, 40, 255}}}); err != nil {
		return nil, err
	}
	last := max(step, first+len(steps)-1)
	curveAxis(&p.X, float64(first), float64(last), 1)
	curveAxis(&p.Y, 0, 0, 0)
	if lo, hi := extent(ys(steps), ys(mean), ys(held)); lo <= hi {
		curveAxis(&p.Y, lo, hi, 0)
	}
	p.Legend.Top = true
	fitTitle(p, curveWidth)
	return p, nil
}

// series is a curve to draw: its points, its legend name and its colour.
type series struct {
	pts   plotter.XYs
	name  string
	color color.RGBA
}

// addLines adds each series with points as a line with markers, and to
// the legend.
func addLines(p *plot.Plot, ss []series) error {
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return err
		}
		l.Color, pts.Color = s.color, s.color
		l.Width = vg.Points(1.5)
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	return nil
}

// ys is the points' y values.
func ys(pts plotter.XYs) []float64 {
	out := make([]float64, len(pts))
	for i, pt := range pts {
		out[i] = pt.Y
	}
	return out
}

// savePNG renders p as a w×h PNG and writes it to path atomically.
func savePNG(p *plot.Plot, w, h vg.Length, path string) error {
	return writePNG(path, w, h, p.Draw)
}

// writePNG draws a w×h picture with draw and writes it to path as a PNG,
// atomically, as checkpoints are written: a full disk or a kill leaves the
// previous picture whole, never a truncated one.
func writePNG(path string, w, h vg.Length, drawOn func(draw.Canvas)) error {
	c := vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	drawOn(draw.New(c))
	return safefile.WriteAtomic(path, func(f io.Writer) error {
		_, err := c.WriteTo(f)
		return err
	})
}

// plotAll writes the pictures into dir and returns their absolute paths:
// the decision boundary for a generated 2-D set, and the loss and accuracy
// curves; h.StepLoss[0] is the run's step first.
func plotAll(dir string, m *nn.Model, d dataset, h *nn.History, first int, title string) ([]string, error) {
	var written []string
	if d.twoD {
		path := filepath.Join(dir, decisionBoundaryFile)
		if err := plotDecisionBoundary(path, m, d.train, d.held, d.heldName, "decision boundary: "+title); err != nil {
			return written, fmt.Errorf("plot %s: %w", path, err)
		}
		written = append(written, path)
	}
	if h != nil && len(h.StepLoss) > 0 {
		path := filepath.Join(dir, lossCurveFile)
		if err := plotLoss(path, h, first, d.heldName, "training loss: "+title); err != nil {
			return written, fmt.Errorf("plot %s: %w", path, err)
		}
		written = append(written, path)
	}
	if h != nil && len(h.Epochs) > 0 && d.train.Regression() {
		if h.Epochs[0].ValRegression != nil { // R² is measured on the held-out set only
			path := filepath.Join(dir, r2CurveFile)
			if err := plotR2(path, h, d.heldName, "R²: "+title); err != nil {
				return written, fmt.Errorf("plot %s: %w", path, err)
			}
			written = append(written, path)
		}
	} else if h != nil && len(h.Epochs) > 0 {
		path := filepath.Join(dir, accuracyCurveFile)
		if err := plotAccuracy(path, h, d.heldName, "accuracy: "+title); err != nil {
			return written, fmt.Errorf("plot %s: %w", path, err)
		}
		written = append(written, path)
	}
	for i, w := range written {
		if abs, err := filepath.Abs(w); err == nil {
			written[i] = abs
		}
	}
	return written, nil
}
