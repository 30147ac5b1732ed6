package main

import (
	"fmt"
	"math"

	"gltrain/live"
	"gltrain/nn"
)

// What the live view shows of the model and the data: the decision
// boundary of a 2-D set, images, convolution filters.

// boundarySize is the decision map's grid: 200×200 cells.
const boundarySize = 200

// boundaryGrid is a 2-D data set's map: the grid's points in the data's raw
// coordinates (the model standardises them as Predict does), and the
// data's points.
type boundaryGrid struct {
	xmin, xmax, ymin, ymax float64
	points                 []float32 // boundarySize² (x, y) pairs, row 0 at the top
	train, val             []live.Sample
}

// newBoundaryGrid spans the data's range, raw, plus a margin of 5% (and
// 0.001, for a set of one point), as the decision-boundary PNG does.
func newBoundaryGrid(d dataset) *boundaryGrid {
	g := &boundaryGrid{train: rawSamples(d, d.train.X, d.train.Labels), val: rawSamples(d, d.held.X, d.held.Labels)}
	g.xmin, g.ymin, g.xmax, g.ymax = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range append(append([]live.Sample(nil), g.train...), g.val...) {
		x, y := float64(s.X), float64(s.Y)
		g.xmin, g.xmax, g.ymin, g.ymax = math.Min(g.xmin, x), math.Max(g.xmax, x), math.Min(g.ymin, y), math.Max(g.ymax, y)
	}
	padX, padY := 0.05*(g.xmax-g.xmin)+1e-3, 0.05*(g.ymax-g.ymin)+1e-3
	g.xmin, g.xmax, g.ymin, g.ymax = g.xmin-padX, g.xmax+padX, g.ymin-padY, g.ymax+padY
	const n = boundarySize
	g.points = make([]float32, 0, 2*n*n)
	for r := range n {
		y := g.ymax - (float64(r)+0.5)/n*(g.ymax-g.ymin)
		for c := range n {
			g.points = append(g.points, float32(g.xmin+(float64(c)+0.5)/n*(g.xmax-g.xmin)), float32(y))
		}
	}
	return g
}

// rawSamples are the points of x (standardised when the data is) in the
// data's own coordinates.
func rawSamples(d dataset, x []float32, labels []int) []live.Sample {
	out := make([]live.Sample, len(labels))
	for i, y := range labels {
		a, b := float64(x[2*i]), float64(x[2*i+1])
		if st := d.std; st != nil {
			a, b = a*st.Std[0]+st.Mean[0], b*st.Std[1]+st.Mean[1]
		}
		out[i] = live.Sample{X: float32(a), Y: float32(b), Class: y}
	}
	return out
}

// eval is the model's map on the grid: each cell's class and its
// probability, reduced on the training backend's device so that only those
// cross to the host (nn.Confidence). m carries the data's standardisation
// (Model.Standardizer).
func (g *boundaryGrid) eval(m *nn.Model) (*live.Boundary, error) {
	class, prob, err := nn.Confidence(m, g.points)
	if err != nil {
		return nil, err
	}
	const n = boundarySize
	b := &live.Boundary{W: n, H: n, XMin: g.xmin, XMax: g.xmax, YMin: g.ymin, YMax: g.ymax,
		Class: make([]uint8, n*n), Conf: prob, Train: g.train, Val: g.val}
	for i, k := range class {
		b.Class[i] = uint8(k)
	}
	return b, nil
}

// liveImage is an image of c channels of h×w values (channel-major, as the
// model takes them) for the view: HWC, scaled so that its least value is 0
// and its largest 1. An image of other than 1 or 3 channels shows its
// first.
func liveImage(chw []float32, c, h, w int) live.Image {
	if c != 1 && c != 3 {
		c, chw = 1, chw[:h*w]
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range chw {
		lo, hi = min(lo, v), max(hi, v)
	}
	scale := float32(0)
	if hi > lo {
		scale = 1 / (hi - lo)
	}
	pix := make([]float32, len(chw))
	for ch := range c {
		for i := range h * w {
			pix[i*c+ch] = (chw[ch*h*w+i] - lo) * scale
		}
	}
	return live.Image{W: w, H: h, C: c, Pix: pix}
}

// convFilters are the first convolution layer's filters, each scaled to
// [0, 1] on its own; nil for a model without one. It reads them from the
// device: call it between steps.
func convFilters(m *nn.Model) ([]live.Image, error) {
	l := firstConv(m.Net)
	if l == nil || l.Weight == nil {
		return nil, nil
	}
	geom := l.Geom
	patch := geom.C * geom.KH * geom.KW
	host := make([]float32, geom.K*patch)
	if err := m.Backend().Download(host, l.Weight.Tensor()); err != nil {
		return nil, fmt.Errorf("the live view's filters: %w", err)
	}
	out := make([]live.Image, geom.K)
	for k := range out {
		out[k] = liveImage(host[k*patch:(k+1)*patch], geom.C, geom.KH, geom.KW)
	}
	return out, nil
}

// firstConv is the first Conv2D of a network, in the order it runs; nil
// without one.
func firstConv(mod nn.Module) *nn.Conv2D {
	switch l := mod.(type) {
	case *nn.Conv2D:
		return l
	case *nn.Sequential:
		for _, sub := range l.Layers {
			if c := firstConv(sub); c != nil {
				return c
			}
		}
	case *nn.Graph:
		for _, n := range l.Nodes {
			if c := firstConv(n.Layer); c != nil {
				return c
			}
		}
	case *nn.Residual:
		return firstConv(l.F)
	}
	return nil
}
