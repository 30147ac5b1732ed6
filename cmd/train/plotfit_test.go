package main

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"gltrain/nn"
)

// TestFitTitle: a title fits its canvas as gonum/plot draws it (centred,
// so its rectangle must be no wider than the canvas), measured with the
// plot's own font metrics: a short one is left alone, a long CNN title is
// wrapped (and shrunk, not below minTitleSize) with every word kept, and a
// title with a word too long for any line loses only its middle.
func TestFitTitle(t *testing.T) {
	cnn := "training loss: 1x28x28-conv32@3x3 relu-maxpool2-conv64@3x3 relu-maxpool2-flatten-128 relu-dropout0.5-10 on fashion-mnist (gl:device=0)"
	for i, tc := range []struct {
		title  string
		width  vg.Length
		same   bool // left as it is
		elided bool // a part cut out
	}{
		{"training loss: 2-100 relu-3 on spiral (cpu)", curveWidth, true, false},
		{cnn, curveWidth, false, false},
		{"decision boundary: " + cnn, boundaryWidth, false, false},
		{"accuracy: " + strings.Repeat("conv32@3x3-", 30) + "10 on mnist (cpu)", curveWidth, false, true},
	} {
		p := plot.New()
		p.Title.Text = tc.title
		size := p.Title.TextStyle.Font.Size
		fitTitle(p, tc.width)
		got := p.Title.Text
		rect := p.Title.TextStyle.Rectangle(got)
		assert.LessOrEqual(t, rect.Size().X, tc.width-2*titleMargin, "%d: %q is %v wide on a %v canvas", i, got, rect.Size().X, tc.width)
		assert.GreaterOrEqual(t, p.Title.TextStyle.Font.Size, minTitleSize, "%d", i)
		assert.LessOrEqual(t, strings.Count(got, "\n"), 1, "%d: at most two lines: %q", i, got)
		switch {
		case tc.same:
			assert.Equal(t, tc.title, got, "%d", i)
			assert.Equal(t, size, p.Title.TextStyle.Font.Size, "%d", i)
		case tc.elided:
			assert.Contains(t, got, "…", "%d", i)
			assert.True(t, strings.HasPrefix(got, "accuracy:"), "%d: %q", i, got)
			assert.Contains(t, got, "conv32@3x3-conv32@3x3", "%d", i)
			assert.True(t, strings.HasSuffix(got, "on mnist (cpu)"), "%d: %q", i, got)
		default: // wrapped: every word, in order
			assert.Equal(t, strings.Fields(tc.title), strings.Fields(got), "%d", i)
			assert.NotContains(t, got, "…", "%d", i)
		}
		// Drawn, the title's rectangle lies inside the canvas.
		c := draw.New(vgimg.New(tc.width, 4*vg.Inch))
		left := c.Center().X - rect.Size().X/2
		assert.GreaterOrEqual(t, left, c.Min.X, "%d: the title starts left of the canvas", i)
	}
}

// TestCurveAxis: curve axes tick at every multiple of a 1-2-5 step (loss
// ticks at 0.25, 1.25, 2.25 were the bug), with 2 to 11 ticks in the
// range; the range pads the values by curvePad of the span at each end,
// and a single value gets a range around it (an epoch axis of one epoch:
// ±0.5, one tick on the epoch).
func TestCurveAxis(t *testing.T) {
	for i, tc := range []struct {
		lo, hi, minStep float64
		step            float64 // the tick step wanted
	}{
		{0.25, 2.25, 0, 0.5},        // the loss of the issue
		{0.013, 0.0871, 0, 0.02},    // a small loss
		{1, 60, 1, 20},              // steps
		{1, 4, 1, 1},                // epochs
		{1, 1, 1, 1},                // one epoch
		{45.2, 98.3, 0, 20},         // accuracy (%)
		{-0.31, 0.93, 0, 0.5},       // R²
		{1234, 1234, 0, 50},         // a single large value
		{0.6931, 0.6931, 0, 0.02},   // a single loss
		{3, 3.3, 0, 0.1},            // a narrow range
		{1e-5, 3.2e-4, 0, 0.0001},   // tiny values
		{-1200, 35000, 1, 10000},    // a wide range
		{0, 1e6, 1, 200000},         // steps of a long run
		{99.99, 99.99, 0, 2},        // a single accuracy
		{-2.5e-3, -1e-3, 0, 0.0005}, // negative
	} {
		var ax plot.Axis
		curveAxis(&ax, tc.lo, tc.hi, tc.minStep)
		rt, ok := ax.Tick.Marker.(roundTicks)
		require.True(t, ok, "%d", i)
		assert.InDelta(t, tc.step, rt.step, 1e-9*tc.step, "%d: step", i)
		mant := rt.step / math.Pow(10, math.Floor(math.Log10(rt.step)+1e-9))
		assert.Contains(t, []float64{1, 2, 5}, math.Round(mant*1e6)/1e6, "%d: step %v is not 1, 2 or 5 times a power of ten", i, rt.step)
		span := tc.hi - tc.lo
		if span == 0 {
			assert.Less(t, ax.Min, tc.lo, "%d", i)
			assert.Greater(t, ax.Max, tc.hi, "%d", i)
		} else {
			assert.InDelta(t, tc.lo-curvePad*span, ax.Min, 1e-9*span, "%d: padded low end", i)
			assert.InDelta(t, tc.hi+curvePad*span, ax.Max, 1e-9*span, "%d: padded high end", i)
		}
		ticks := rt.Ticks(ax.Min, ax.Max)
		assert.GreaterOrEqual(t, len(ticks), 1, "%d", i)
		assert.LessOrEqual(t, len(ticks), 11, "%d", i)
		if span > 0 {
			assert.GreaterOrEqual(t, len(ticks), 2, "%d: %v", i, labels(ticks))
		}
		for _, tk := range ticks {
			k := tk.Value / rt.step
			assert.InDelta(t, math.Round(k), k, 1e-9, "%d: tick %v is not a multiple of %v", i, tk.Value, rt.step)
			assert.True(t, tk.Value >= ax.Min && tk.Value <= ax.Max, "%d: tick %v outside [%v, %v]", i, tk.Value, ax.Min, ax.Max)
		}
	}
	var ax plot.Axis
	curveAxis(&ax, 1, 1, 1)
	assert.Equal(t, []string{"1"}, labels(ax.Tick.Marker.Ticks(ax.Min, ax.Max)), "one epoch: one tick, on it")
	curveAxis(&ax, 0.25, 2.25, 0)
	assert.Equal(t, []string{"0.5", "1.0", "1.5", "2.0"}, labels(ax.Tick.Marker.Ticks(ax.Min, ax.Max)), "the issue's loss range")
}

// TestMarkersInside: the markers of a one-epoch run (the issue: half off
// the right edge) and of a longer one lie, whole, inside the data area of
// the loss and accuracy curves: each marker's centre is at least its radius
// (plotter.DefaultGlyphStyle's 2.5 points) inside every edge.
func TestMarkersInside(t *testing.T) {
	for _, epochs := range []int{1, 2, 7} {
		h := &nn.History{}
		for e := 1; e <= epochs; e++ {
			for s := 0; s < 15; s++ {
				h.StepLoss = append(h.StepLoss, float32(1.1/float64(e)+0.01*float64(s%3)))
			}
			h.Epochs = append(h.Epochs, nn.EpochStats{Epoch: e, Steps: 15, GlobalStep: 15 * e, Loss: 1.1 / float64(e),
				Accuracy: 1 - 0.5/float64(e), ValLoss: 1.2 / float64(e), ValAccuracy: 1 - 0.4/float64(e)})
		}
		lp, err := lossPlot(h, 1, "validation", "training loss")
		require.NoError(t, err)
		ap, err := accuracyPlot(h, "validation", "accuracy")
		require.NoError(t, err)
		for _, c := range []struct {
			name string
			p    *plot.Plot
			pts  [][2]float64
		}{{"loss", lp, nil}, {"accuracy", ap, nil}} {
			for _, e := range h.Epochs {
				if c.name == "loss" {
					c.pts = append(c.pts, [2]float64{float64(e.GlobalStep), e.Loss}, [2]float64{float64(e.GlobalStep), e.ValLoss})
				} else {
					c.pts = append(c.pts, [2]float64{float64(e.Epoch), 100 * e.Accuracy}, [2]float64{float64(e.Epoch), 100 * e.ValAccuracy})
				}
			}
			dc := c.p.DataCanvas(draw.New(vgimg.New(curveWidth, curveHeight)))
			tx, ty := c.p.Transforms(&dc)
			r := vg.Points(2.5)
			for _, pt := range c.pts {
				x, y := tx(pt[0]), ty(pt[1])
				assert.True(t, x-r >= dc.Min.X && x+r <= dc.Max.X && y-r >= dc.Min.Y && y+r <= dc.Max.Y,
					"%d epochs, %s: the marker at %v (%v, %v) is not inside %v", epochs, c.name, pt, x, y, dc.Rectangle)
			}
		}
	}
}
