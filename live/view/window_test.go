package view_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gltrain/live"
	"gltrain/live/view"
)

// open opens a window, or skips saying why; with GLTRAIN_REQUIRE_GL=1 or
// CI=true (make test), not getting one is a failure.
func open(t *testing.T, o view.Options) *view.Window {
	t.Helper()
	w, err := view.Open(o)
	if err != nil {
		if os.Getenv("GLTRAIN_REQUIRE_GL") == "1" || os.Getenv("CI") == "true" {
			t.Fatalf("no window, and GL is required here: %v", err)
		}
		t.Skipf("no window (run under xvfb-run): %v", err)
	}
	t.Cleanup(w.Close)
	return w
}

// boundary is a W×H map of three classes in vertical bands (class by
// column), the confidence rising down the rows, and a few points.
func boundary(w, h int) *live.Boundary {
	b := &live.Boundary{W: w, H: h, XMin: -1, XMax: 1, YMin: -2, YMax: 2, Epoch: 1, Step: 10}
	for j := 0; j < h; j++ {
		for i := 0; i < w; i++ {
			b.Class = append(b.Class, uint8(3*i/w))
			b.Conf = append(b.Conf, 1.0/3+float32(j)/float32(h)*2/3)
		}
	}
	b.Train = []live.Sample{{X: -0.5, Y: 0, Class: 0}, {X: 0.5, Y: 1, Class: 2}}
	b.Val = []live.Sample{{X: 0, Y: -1, Class: 1}}
	return b
}

// TestWindowDrawsBoundary draws a known decision map and reads the window's
// pixels back: every cell's colour must be its class's Shade (to within 3
// units a channel: the shader's float mix rounds, and the framebuffer is 8
// bits, so the two may differ by 1-2), except under the points' markers.
func TestWindowDrawsBoundary(t *testing.T) {
	var frames []view.Frame
	w := open(t, view.Options{Width: 620, Height: 460, CloseWhenDone: true, OnFrame: func(f view.Frame) { frames = append(frames, f) }})
	h := live.NewHub()
	b := boundary(200, 200)
	h.Update(func(s *live.Snapshot) {
		s.Task, s.Classes, s.Epoch, s.Epochs, s.Step = "classification", []string{"a", "b", "c"}, 1, 3, 10
		s.Boundary = b
		s.Curves = []live.Point{{Epoch: 1, Step: 10, TrainLoss: 1, ValLoss: 1.1, TrainAcc: 0.5, ValAcc: 0.4}}
		s.Done = true
	})
	if err := w.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 {
		t.Fatal("no frame drawn")
	}
	f := frames[len(frames)-1]
	if f.Heatmap.Dx() < 200 || f.Heatmap.Dy() < 200 {
		t.Fatalf("heatmap drawn at %v: want at least 200×200 pixels", f.Heatmap)
	}
	if os.Getenv("GLTRAIN_VIEW_SAVE") != "" {
		save(t, filepath.Join(os.Getenv("GLTRAIN_VIEW_SAVE"), "synthetic.png"), f.Pixels)
	}
	bad, n := 0, 0
	for j := 0; j < b.H; j++ {
		for i := 0; i < b.W; i++ {
			// The middle of the cell; nearest sampling shows the cell there.
			x, y := f.Heatmap.Min.X+(2*i+1)*f.Heatmap.Dx()/(2*b.W), f.Heatmap.Min.Y+(2*j+1)*f.Heatmap.Dy()/(2*b.H)
			if nearPoint(f, x, y) {
				continue
			}
			n++
			want := view.Shade(int(b.Class[j*b.W+i]), b.Conf[j*b.W+i], 3)
			got := f.Pixels.RGBAAt(x, y)
			if d := max(absDiff(got.R, want.R), absDiff(got.G, want.G), absDiff(got.B, want.B)); d > 3 {
				if bad < 5 {
					t.Errorf("cell (%d, %d) at pixel (%d, %d): %v, want %v", i, j, x, y, got, want)
				}
				bad++
			}
			if k, _ := view.ClassOf(got, 3); k != int(b.Class[j*b.W+i]) {
				t.Fatalf("cell (%d, %d): ClassOf(%v) = %d, want %d", i, j, got, k, b.Class[j*b.W+i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cells off", bad, n)
	}
	if n < b.W*b.H*9/10 {
		t.Errorf("only %d of %d cells away from the points", n, b.W*b.H)
	}
}

// nearPoint says whether pixel (x, y) is within a marker of a point.
func nearPoint(f view.Frame, x, y int) bool {
	b := f.Snapshot.Boundary
	for _, p := range append(append([]live.Sample{}, b.Train...), b.Val...) {
		px := float64(f.Heatmap.Min.X) + (float64(p.X)-b.XMin)/(b.XMax-b.XMin)*float64(f.Heatmap.Dx())
		py := float64(f.Heatmap.Min.Y) + (b.YMax-float64(p.Y))/(b.YMax-b.YMin)*float64(f.Heatmap.Dy())
		if math.Abs(px-float64(x)) <= 6 && math.Abs(py-float64(y)) <= 6 {
			return true
		}
	}
	return false
}

func absDiff(a, b uint8) int { return int(math.Abs(float64(a) - float64(b))) }

func save(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestOpenNoDisplay: without a display, Open fails with ErrNoDisplay.
func TestOpenNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	w, err := view.Open(view.Options{})
	if err == nil {
		w.Close()
		t.Fatal("Open without a display succeeded")
	}
	if !errors.Is(err, view.ErrNoDisplay) {
		t.Fatalf("Open: %v, want ErrNoDisplay", err)
	}
}

// TestSpeedSteps: + and - walk the limit through powers of two, and past
// the top to no limit (0) and back.
func TestSpeedSteps(t *testing.T) {
	for i, tc := range []struct{ n, faster, slower int }{
		{0, 0, 1024}, {1, 2, 1}, {2, 4, 1}, {1024, 0, 512}, {600, 0, 300},
	} {
		if got := view.Faster(tc.n); got != tc.faster {
			t.Errorf("%d: faster(%d) = %d, want %d", i, tc.n, got, tc.faster)
		}
		if got := view.Slower(tc.n); got != tc.slower {
			t.Errorf("%d: slower(%d) = %d, want %d", i, tc.n, got, tc.slower)
		}
	}
}

// TestWindowDrawsPictures: for image data, the window shows the confusion
// matrix (no decision map) and each misclassified image and filter where
// Frame.Pictures says, every texel's middle pixel within 1 unit of the
// image's value ×255 (8-bit rounding).
func TestWindowDrawsPictures(t *testing.T) {
	var last view.Frame
	w := open(t, view.Options{Width: 620, Height: 460, CloseWhenDone: true, OnFrame: func(f view.Frame) { last = f }})
	h := live.NewHub()
	img := func(w, h, c, seed int) live.Image {
		im := live.Image{W: w, H: h, C: c, Label: fmt.Sprintf("%d->%d", seed%10, (seed+3)%10)}
		for i := 0; i < w*h*c; i++ {
			im.Pix = append(im.Pix, float32((i*37+seed*11)%256)/255)
		}
		return im
	}
	var mis, filters []live.Image
	for i := 0; i < 8; i++ {
		mis = append(mis, img(28, 28, 1, i))
		filters = append(filters, img(5, 5, 3, 100+i))
	}
	confusion := make([][]int, 10)
	for i := range confusion {
		confusion[i] = make([]int, 10)
		confusion[i][i], confusion[i][(i+1)%10] = 90, 10
	}
	h.Update(func(s *live.Snapshot) {
		s.Task, s.Epoch, s.Epochs, s.Step, s.Done = "classification", 2, 2, 200, true
		s.Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
		s.Confusion, s.Misclassified, s.Filters = confusion, mis, filters
		s.Curves = []live.Point{{Epoch: 1, Step: 100, TrainLoss: 0.5, ValLoss: 0.6, TrainAcc: 0.8, ValAcc: 0.7}, {Epoch: 2, Step: 200, TrainLoss: 0.3, ValLoss: 0.4, TrainAcc: 0.9, ValAcc: 0.85}}
	})
	if err := w.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if last.Pixels == nil {
		t.Fatal("no frame drawn")
	}
	if os.Getenv("GLTRAIN_VIEW_SAVE") != "" {
		save(t, filepath.Join(os.Getenv("GLTRAIN_VIEW_SAVE"), "pictures.png"), last.Pixels)
	}
	if !last.Heatmap.Empty() {
		t.Errorf("a decision map at %v for data without one", last.Heatmap)
	}
	all := append(append([]live.Image{}, mis...), filters...)
	if len(last.Pictures) != len(all) {
		t.Fatalf("%d pictures placed, want %d", len(last.Pictures), len(all))
	}
	shown := 0
	for n, at := range last.Pictures {
		if at.Empty() {
			continue
		}
		shown++
		im := all[n]
		// Nearest sampling: the pixel whose middle is at u of the width shows texel ⌊u·W⌋.
		for y := at.Min.Y; y < at.Max.Y; y++ {
			for x := at.Min.X; x < at.Max.X; x++ {
				u := (float64(x-at.Min.X) + 0.5) / float64(at.Dx()) * float64(im.W)
				v := (float64(y-at.Min.Y) + 0.5) / float64(at.Dy()) * float64(im.H)
				if math.Abs(u-math.Round(u)) < 0.01 || math.Abs(v-math.Round(v)) < 0.01 {
					continue // on a texel's edge: either may show
				}
				i, j := int(u), int(v)
				got := last.Pixels.RGBAAt(x, y)
				k := (j*im.W + i) * im.C
				want := [3]float32{im.Pix[k], im.Pix[k], im.Pix[k]}
				if im.C == 3 {
					want = [3]float32{im.Pix[k], im.Pix[k+1], im.Pix[k+2]}
				}
				for c, g := range []uint8{got.R, got.G, got.B} {
					if d := math.Abs(float64(g) - float64(want[c])*255); d > 1 {
						t.Fatalf("picture %d texel (%d, %d) at pixel (%d, %d): %v, want %v×255", n, i, j, x, y, got, want)
					}
				}
			}
		}
	}
	if shown < len(all)/2 {
		t.Errorf("only %d of %d pictures fit", shown, len(all))
	}
}

// TestOpenUnreachableDisplay: a DISPLAY that names no X server (a stale
// one, as an ssh session may carry) is "no display", with GLFW's reason,
// not a panic of go-gl/glfw's nor a bare "not initialized". It needs no
// display itself, and runs everywhere.
func TestOpenUnreachableDisplay(t *testing.T) {
	t.Setenv("DISPLAY", ":4242") // no X server listens there: make test's Xvfb takes :99 and up
	t.Setenv("WAYLAND_DISPLAY", "")
	w, err := view.Open(view.Options{})
	if err == nil {
		w.Close()
		t.Fatal("a window opened on DISPLAY=:4242")
	}
	if !errors.Is(err, view.ErrNoDisplay) {
		t.Fatalf("Open: %v; want an error wrapping ErrNoDisplay", err)
	}
	if want := "Failed to open display :4242"; !strings.Contains(err.Error(), want) {
		t.Errorf("Open: %v; want it to say %q", err, want)
	}
}

// TestWindowManyPoints: a data set of many points (a 2-feature CSV file of
// 40,000 rows) shows at most maxMarkers of them, so that the map stays
// visible: the middles of at least a third of its cells show the map's
// colour. (Here 86% do; a marker for each of the 40,000 left none.)
func TestWindowManyPoints(t *testing.T) {
	var frames []view.Frame
	w := open(t, view.Options{Width: 620, Height: 460, CloseWhenDone: true, OnFrame: func(f view.Frame) { frames = append(frames, f) }})
	h := live.NewHub()
	b := boundary(200, 200)
	b.Train, b.Val = nil, nil
	for i := range 40000 { // a 200×200 lattice over the map, class by column as the cells
		x, y := -1+(float64(i%200)+0.5)/100, -2+(float64(i/200)+0.5)/50
		b.Train = append(b.Train, live.Sample{X: float32(x), Y: float32(y), Class: int(3 * (x + 1) / 2)})
	}
	h.Update(func(s *live.Snapshot) {
		s.Task, s.Classes, s.Epoch, s.Epochs, s.Step, s.Boundary, s.Done = "classification", []string{"a", "b", "c"}, 1, 1, 10, b, true
	})
	if err := w.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 {
		t.Fatal("no frame drawn")
	}
	f := frames[len(frames)-1]
	shown := 0
	for j := 0; j < b.H; j++ {
		for i := 0; i < b.W; i++ {
			x, y := f.Heatmap.Min.X+(2*i+1)*f.Heatmap.Dx()/(2*b.W), f.Heatmap.Min.Y+(2*j+1)*f.Heatmap.Dy()/(2*b.H)
			want, got := view.Shade(int(b.Class[j*b.W+i]), b.Conf[j*b.W+i], 3), f.Pixels.RGBAAt(x, y)
			if max(absDiff(got.R, want.R), absDiff(got.G, want.G), absDiff(got.B, want.B)) <= 3 {
				shown++
			}
		}
	}
	t.Logf("%d of %d cells' middles show the map", shown, b.W*b.H)
	if shown < b.W*b.H/3 {
		t.Errorf("%d of %d cells' middles show the map under 40,000 points; want at least a third", shown, b.W*b.H)
	}
}
