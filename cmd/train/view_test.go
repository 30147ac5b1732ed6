package main

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/live"
	"gltrain/live/view"
	"gltrain/nn"
)

// viewFrames runs train -view with args, the window 620×460 (it fits
// make test's 640×480 Xvfb screen, where pixels off the screen would not be
// drawn), closing when the run is done, and returns the frames it drew. It
// skips without a display unless GL is required (make test, CI), where it
// fails. slow limits training to that many steps per frame (1/60 s), so
// that the window sees several epochs; 0: none.
func viewFrames(t *testing.T, slow int, args ...string) []view.Frame {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("GLTRAIN_REQUIRE_GL") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("-view needs a display, and GL is required here: run under xvfb-run")
		}
		t.Skip("-view needs a display: run under xvfb-run")
	}
	var frames []view.Frame
	viewOptions = view.Options{Width: 620, Height: 460, CloseWhenDone: true, OnFrame: func(f view.Frame) { frames = append(frames, f) }}
	viewHub = func(h *live.Hub) { h.SetStepsPerFrame(slow) }
	defer func() { viewOptions, viewHub = view.Options{}, nil }()
	code, out, errOut := runTrain(t, append([]string{"-view"}, args...)...)
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	require.NotEmpty(t, frames, "no frame drawn")
	return frames
}

// TestViewBoundary is train -view on the spiral, on each backend: the
// window's last frame (read back with glReadPixels) colours the decision
// map's cells by the class that the saved model, evaluated on the CPU,
// gives at each cell's middle, for at least 98% of the cells away from the
// points' markers (the rest: cells where the two backends' roundings tip a
// near tie the other way, and the map's last evaluation against the model
// saved; on the CPU backend they agree to the bit). And the picture
// changes between epochs: the first map shown (of an early epoch) differs
// from the last in at least 1% of its cells (they differ by 6-70% here).
func TestViewBoundary(t *testing.T) {
	for _, be := range []string{"cpu", "gl"} {
		t.Run(be, func(t *testing.T) {
			if be == "gl" {
				backendtest.Open(t, "gl") // skips off CI without GL, fails in it
			}
			dir := t.TempDir()
			save := filepath.Join(dir, "m.safetensors")
			epochs, slow := "6", 2 // 120 steps a second: 8 epochs a second
			if be == "cpu" && os.Getenv("GLTRAIN_UPDATE_SCREENSHOTS") == "1" {
				epochs, slow = "40", 0 // the README's picture: a spiral learnt
			}
			frames := viewFrames(t, slow, "-backend="+be, "-epochs="+epochs, "-hidden=32", "-plot="+dir, "-save="+save)
			var first, last *view.Frame
			seen := map[int]bool{}
			for i := range frames {
				if frames[i].Snapshot.Boundary == nil {
					continue
				}
				if first == nil {
					first = &frames[i]
				}
				last = &frames[i]
				seen[frames[i].Snapshot.Epoch] = true
			}
			require.NotNil(t, last, "no frame showed a decision map")
			require.True(t, last.Snapshot.Done, "the last frame is the finished run's")
			require.GreaterOrEqual(t, len(seen), 2, "maps of %d epochs shown", len(seen))
			b := last.Snapshot.Boundary
			require.GreaterOrEqual(t, last.Heatmap.Dx(), b.W, "the map is drawn at least a pixel a cell")

			m, err := nn.Load(save, backendtest.Open(t, "cpu"))
			require.NoError(t, err)
			defer m.Release()
			grid := make([]float32, 0, 2*b.W*b.H)
			for r := 0; r < b.H; r++ {
				for c := 0; c < b.W; c++ {
					grid = append(grid, float32(b.XMin+(float64(c)+0.5)/float64(b.W)*(b.XMax-b.XMin)),
						float32(b.YMax-(float64(r)+0.5)/float64(b.H)*(b.YMax-b.YMin)))
				}
			}
			want, err := nn.Predict(m, grid)
			require.NoError(t, err)
			classes := len(last.Snapshot.Classes)
			agree, n, changed := 0, 0, 0
			for r := 0; r < b.H; r++ {
				for c := 0; c < b.W; c++ {
					x, y := cellPixel(last, c, r)
					if nearMarker(last, x, y) {
						continue
					}
					n++
					k, _ := view.ClassOf(last.Pixels.RGBAAt(x, y), classes)
					if k == want[r*b.W+c] {
						agree++
					}
					if k0, _ := view.ClassOf(first.Pixels.RGBAAt(cellPixel(first, c, r)), classes); k0 != k {
						changed++
					}
				}
			}
			require.Greater(t, n, b.W*b.H/2, "cells away from the markers")
			t.Logf("%s: %d of %d cells agree with the CPU's classes; %d changed from epoch %d's map to epoch %d's",
				be, agree, n, changed, first.Snapshot.Epoch, last.Snapshot.Epoch)
			require.GreaterOrEqual(t, float64(agree), 0.98*float64(n), "cells whose colour is the CPU's class")
			require.GreaterOrEqual(t, float64(changed), 0.01*float64(n), "cells changed between the first map and the last")
			if be == "cpu" && os.Getenv("GLTRAIN_UPDATE_SCREENSHOTS") == "1" {
				writeScreenshot(t, filepath.Join("..", "..", "docs", "view.png"), last.Pixels)
			}
		})
	}
}

// cellPixel is the pixel in the middle of cell (c, r) of f's map.
func cellPixel(f *view.Frame, c, r int) (int, int) {
	b := f.Snapshot.Boundary
	return f.Heatmap.Min.X + (2*c+1)*f.Heatmap.Dx()/(2*b.W), f.Heatmap.Min.Y + (2*r+1)*f.Heatmap.Dy()/(2*b.H)
}

// nearMarker says whether pixel (x, y) may be under a point's marker (4
// pixels each way of the point, and a pixel of rounding).
func nearMarker(f *view.Frame, x, y int) bool {
	b := f.Snapshot.Boundary
	for _, set := range [][]live.Sample{b.Train, b.Val} {
		for _, p := range set {
			px := float64(f.Heatmap.Min.X) + (float64(p.X)-b.XMin)/(b.XMax-b.XMin)*float64(f.Heatmap.Dx())
			py := float64(f.Heatmap.Min.Y) + (b.YMax-float64(p.Y))/(b.YMax-b.YMin)*float64(f.Heatmap.Dy())
			if math.Abs(px-float64(x)) <= 5 && math.Abs(py-float64(y)) <= 5 {
				return true
			}
		}
	}
	return false
}

// TestViewCloseKeepsCheckpoint: closing the window mid-run stops training
// as Ctrl-C does: status 130, and -save's checkpoint holds the last whole
// epoch, which loads.
func TestViewCloseKeepsCheckpoint(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("GLTRAIN_REQUIRE_GL") == "1" || os.Getenv("CI") == "true" {
			t.Fatal("-view needs a display, and GL is required here: run under xvfb-run")
		}
		t.Skip("-view needs a display: run under xvfb-run")
	}
	save := filepath.Join(t.TempDir(), "m.safetensors")
	closedAt := 0
	viewOptions = view.Options{Width: 620, Height: 460, OnFrame: func(f view.Frame) {
		if closedAt == 0 && len(f.Snapshot.Curves) >= 2 {
			closedAt = len(f.Snapshot.Curves)
			f.Close()
		}
	}}
	viewHub = func(h *live.Hub) { h.SetStepsPerFrame(2) } // 8 epochs a second
	defer func() { viewOptions, viewHub = view.Options{}, nil }()
	code, out, errOut := runTrain(t, "-view", "-backend=cpu", "-epochs=200", "-hidden=8", "-plot=", "-save="+save)
	require.Equal(t, 130, code, "%s\n%s", out, errOut)
	require.NotZero(t, closedAt, "the window never showed two epochs")
	require.Contains(t, errOut, "interrupted; "+save+" keeps epoch")
	require.NotContains(t, out, "epoch 200/200", "it trained to the end")
	m, err := nn.Load(save, backendtest.Open(t, "cpu"))
	require.NoError(t, err)
	m.Release()
}

// TestViewNoDisplay: -view without a display exits with status 2 before
// anything trains, saying so and naming -serve.
func TestViewNoDisplay(t *testing.T) {
	cmd := command(t, "-view", "-epochs=1", "-plot=")
	var env []string
	for _, kv := range cmd.Env {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stdout %q, stderr %q", stdout.String(), stderr.String())
	require.Equal(t, 2, exit.ExitCode(), stderr.String())
	require.Contains(t, stderr.String(), "-view: no display")
	require.Contains(t, stderr.String(), "-serve=")
	require.NotContains(t, stdout.String(), "epoch", "it trained")
}

// TestViewTrainsNothing: -view with a mode that does not train is a flag
// error (status 2), before any window opens.
func TestViewTrainsNothing(t *testing.T) {
	for i, tc := range []struct{ flag, want string }{
		{"-eval -load=m.safetensors", "-view shows training, and this run does not train"},
		{"-summary", "-view shows training, and this run does not train"},
		{"-predict=x.csv -load=m.safetensors", "-view shows training, and this run does not train"},
		{"-export=m.onnx -load=m.safetensors", "-view shows training, and this run does not train"},
	} {
		code, _, errOut := runTrain(t, append([]string{"-view", "-plot="}, strings.Fields(tc.flag)...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%d: -view %s: status %d, stderr %q; want 2 and %q", i, tc.flag, code, errOut, tc.want)
		}
	}
}
