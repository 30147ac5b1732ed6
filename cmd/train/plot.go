package main

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gltrain/internal/safefile"
	"gltrain/nn"
	"gltrain/nn/data"
)

// palette colours the classes: points in the full colour, regions in a
// light tint of it.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

func tint(c color.RGBA) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(0.3*float64(v) + 0.7*255) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255}
}

// decisionBoundaryFile and lossCurveFile are the pictures' names in -plot.
const (
	decisionBoundaryFile = "gltrain-decision-boundary.png"
	lossCurveFile        = "gltrain-loss.png"
)

// plotDecisionBoundary colours a 200×200 grid over the points by the class
// the model predicts there, and draws the points on top.
func plotDecisionBoundary(path string, m *nn.Model, sets []data.Set, title string) error {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range sets {
		for i := 0; i < s.Len(); i++ {
			x, y := float64(s.X[2*i]), float64(s.X[2*i+1])
			minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
		}
	}
	padX, padY := 0.1*(maxX-minX)+1e-3, 0.1*(maxY-minY)+1e-3
	minX, maxX, minY, maxY = minX-padX, maxX+padX, minY-padY, maxY+padY
	const n = 200
	grid := make([]float32, 0, 2*n*n)
	for r := 0; r < n; r++ {
		y := maxY - (float64(r)+0.5)/n*(maxY-minY) // image rows run downwards
		for c := 0; c < n; c++ {
			grid = append(grid, float32(minX+(float64(c)+0.5)/n*(maxX-minX)), float32(y))
		}
	}
	classes, err := nn.Predict(m, grid)
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i, k := range classes {
		img.SetRGBA(i%n, i/n, tint(palette[k%len(palette)]))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "x₁", "x₂"
	p.Add(plotter.NewImage(img, minX, minY, maxX, maxY))
	byClass := map[int]plotter.XYs{}
	for _, s := range sets {
		for i := 0; i < s.Len(); i++ {
			byClass[s.Labels[i]] = append(byClass[s.Labels[i]], plotter.XY{X: float64(s.X[2*i]), Y: float64(s.X[2*i+1])})
		}
	}
	for k := 0; k < len(byClass)+1; k++ {
		pts, ok := byClass[k]
		if !ok {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: palette[k%len(palette)], Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("class %d", k), sc)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = minX, maxX, minY, maxY
	return savePNG(p, 5*vg.Inch, 5*vg.Inch, path)
}

// plotLoss draws every step's loss, each epoch's mean, and the held-out
// loss per epoch, against the step.
func plotLoss(path string, h *nn.History, heldName, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "step", "loss"
	steps := make(plotter.XYs, len(h.StepLoss))
	for i, l := range h.StepLoss {
		steps[i] = plotter.XY{X: float64(i + 1), Y: float64(l)}
	}
	line, err := plotter.NewLine(steps)
	if err != nil {
		return err
	}
	line.Color = color.NRGBA{R: 31, G: 119, B: 180, A: 90}
	p.Add(line)
	p.Legend.Add("step", line)
	var mean, held plotter.XYs
	step := 0
	for _, e := range h.Epochs {
		step += e.Steps
		mean = append(mean, plotter.XY{X: float64(step), Y: e.Loss})
		if !math.IsNaN(e.ValLoss) {
			held = append(held, plotter.XY{X: float64(step), Y: e.ValLoss})
		}
	}
	for _, s := range []struct {
		pts   plotter.XYs
		name  string
		color color.RGBA
	}{{mean, "epoch mean", color.RGBA{31, 119, 180, 255}}, {held, heldName, color.RGBA{214, 39, 40, 255}}} {
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
	p.Legend.Top = true
	return savePNG(p, 6*vg.Inch, 4*vg.Inch, path)
}

// savePNG renders p as a w×h PNG and writes it to path atomically, as
// checkpoints are written: a full disk or a kill leaves the previous picture
// whole, never a truncated one.
func savePNG(p *plot.Plot, w, h vg.Length, path string) error {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return err
	}
	return safefile.WriteAtomic(path, func(f io.Writer) error {
		_, err := wt.WriteTo(f)
		return err
	})
}

// plotAll writes the pictures into dir and returns their absolute paths.
func plotAll(dir string, m *nn.Model, d dataset, h *nn.History, title string) ([]string, error) {
	var written []string
	if d.twoD {
		path := filepath.Join(dir, decisionBoundaryFile)
		if err := plotDecisionBoundary(path, m, []data.Set{d.train, d.held}, "decision boundary: "+title); err != nil {
			return written, fmt.Errorf("plot %s: %w", path, err)
		}
		written = append(written, path)
	}
	if h != nil && len(h.StepLoss) > 0 {
		path := filepath.Join(dir, lossCurveFile)
		if err := plotLoss(path, h, d.heldName, "training loss: "+title); err != nil {
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
