package view_test

import (
	"context"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gltrain/live"
	"gltrain/live/view"
)

// TestWindowCurveSpikes draws long runs (3000 epochs on a plot some 500
// pixels wide, 6 points a pixel column) whose curves each have one spike,
// and reads the window's pixels: the spike's pixel, where the plot maps its
// step and value, must show its series' colour (within 3 units a channel,
// 8-bit rounding; within 2 pixels, as Plots is the plot's box cut to whole
// pixels). Drawing the last point of each pixel column, as the window did,
// lost such spikes (a validation loss that fell to 0.002 at one epoch). A
// regression run has no accuracy panel, and its loss plot takes more than
// half the window's height (a classification run's loss plot takes about a
// quarter).
func TestWindowCurveSpikes(t *testing.T) {
	const n = 3000
	type spike struct {
		val   bool // the validation series, else the training one
		at    int
		value float64
	}
	for _, tc := range []struct {
		name   string
		task   string
		spikes []spike
		plots  int
	}{
		{"validation loss falls once", "classification", []spike{{true, 1635, 0.002}}, 2},
		{"training loss jumps once", "classification", []spike{{false, 777, 9}}, 2},
		{"regression: both, and no accuracy panel", "regression", []spike{{true, 2222, 0.002}, {false, 404, 9}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pts := make([]live.Point, n)
			for i := range pts {
				pts[i] = live.Point{Epoch: i + 1, Step: int64(10 * (i + 1)),
					TrainLoss: 1 + 0.2*math.Sin(float64(i)/40), ValLoss: 1.3 + 0.2*math.Cos(float64(i)/50),
					TrainAcc: 0.6 + 0.1*math.Sin(float64(i)/30), ValAcc: 0.55}
				if tc.task == "regression" {
					pts[i].TrainAcc, pts[i].ValAcc = math.NaN(), math.NaN()
				}
			}
			for _, s := range tc.spikes {
				if s.val {
					pts[s.at].ValLoss = s.value
				} else {
					pts[s.at].TrainLoss = s.value
				}
			}
			var last view.Frame
			w := open(t, view.Options{Width: 620, Height: 460, CloseWhenDone: true, OnFrame: func(f view.Frame) { last = f }})
			h := live.NewHub()
			h.Update(func(s *live.Snapshot) {
				s.Task, s.Epoch, s.Epochs, s.Step, s.Curves, s.Done = tc.task, n, n, pts[n-1].Step, pts, true
			})
			if err := w.Run(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			if last.Pixels == nil {
				t.Fatal("no frame drawn")
			}
			if dir := os.Getenv("GLTRAIN_VIEW_SAVE"); dir != "" {
				save(t, filepath.Join(dir, "curves-"+tc.task+".png"), last.Pixels)
			}
			if len(last.Plots) != tc.plots {
				t.Fatalf("%d plots, want %d", len(last.Plots), tc.plots)
			}
			plot := last.Plots[0]
			if tc.plots == 1 && plot.Dy() <= last.Pixels.Bounds().Dy()/2 {
				t.Errorf("the loss plot alone is %d pixels high, in a window of %d", plot.Dy(), last.Pixels.Bounds().Dy())
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, p := range pts {
				lo, hi = min(lo, p.TrainLoss, p.ValLoss), max(hi, p.TrainLoss, p.ValLoss)
			}
			s0, s1 := float64(pts[0].Step), float64(pts[n-1].Step)
			if w := float64(plot.Dx()); n < 4*w {
				t.Fatalf("the plot is %v pixels wide: %d points are too few to share columns", w, n)
			}
			for _, s := range tc.spikes {
				x := float64(plot.Min.X) + (float64(pts[s.at].Step)-s0)/(s1-s0)*float64(plot.Dx())
				y := float64(plot.Max.Y) - (s.value-lo)/(hi-lo)*float64(plot.Dy())
				ink := view.Palette[0]
				if s.val {
					ink = view.Palette[1]
				}
				if !near(last, int(x), int(y), 2, ink) {
					t.Errorf("spike %+v: no pixel of colour %v within 2 of (%.1f, %.1f)", s, ink, x, y)
				}
			}
		})
	}
}

// near says whether a pixel within d of (x, y) is within 3 units a channel
// of c.
func near(f view.Frame, x, y, d int, c color.RGBA) bool {
	for j := y - d; j <= y+d; j++ {
		for i := x - d; i <= x+d; i++ {
			got := f.Pixels.RGBAAt(i, j)
			if max(absDiff(got.R, c.R), absDiff(got.G, c.G), absDiff(got.B, c.B)) <= 3 {
				return true
			}
		}
	}
	return false
}
