package main

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/live"
)

// chromiumPath is Debian's chromium (make test-deps installs it). Without
// it the test skips, naming the reason, unless GLTRAIN_REQUIRE_CHROMIUM=1
// (the Makefile's test) or CI=true, where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed (make test-deps installs Debian's chromium): the -serve page's browser test needs it"
	if os.Getenv("GLTRAIN_REQUIRE_CHROMIUM") == "1" || os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// serving starts the command with -serve on a free port and returns the
// page's address and the channel of its exit status.
func serving(t *testing.T, ctx context.Context, args ...string) (string, <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append(args, "-serve=127.0.0.1:0"), io.Discard, pw)
		pw.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "serving  the live view at "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		return u, code
	case c := <-code:
		t.Fatalf("train exited %d before serving", c)
	case <-time.After(10 * time.Second):
		t.Fatal("train did not say where it serves within 10 s")
	}
	return "", nil
}

// TestServePageInChromium drives the -serve page of a real run on the
// spiral in headless Chromium: the canvas shows the heatmap (the tints of
// all three classes cover part of it each), Pause stops the page's epoch
// counter, and Stop ends the run as Ctrl-C does. With
// GLTRAIN_UPDATE_SCREENSHOTS=1 it writes the README's docs/serve.png.
func TestServePageInChromium(t *testing.T) {
	chrome := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, code := serving(t, ctx, "-backend=cpu", "-epochs=1000000", "-hidden=32", "-plot=", "-quiet")
	defer cancel() // the run too, should the test fail before Stop

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 700), chromedp.Flag("force-device-scale-factor", "1"))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	js := func(expr string) string {
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		require.NoError(t, err, expr)
		return v
	}
	epoch := func() int {
		n, err := strconv.Atoi(js(`document.getElementById("epoch").dataset.epoch`))
		require.NoError(t, err)
		return n
	}
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#boundary"))))
	for deadline := time.Now().Add(10 * time.Second); epoch() < 30; time.Sleep(50 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the page's epoch counter did not reach 30 in 10 s")
	}
	// The page merged the incremental events: a curve from epoch 1, its
	// epochs increasing, to one the page's counter has reached, and the
	// data points of the first event.
	assert.Equal(t, "true", js(`String(last.Curves[0][0] === 1 && last.Curves.every((p, i) => i === 0 || p[0] > last.Curves[i-1][0]) && last.Curves.at(-1)[0] >= 29)`),
		"the page's curve: %s", js(`JSON.stringify(last.Curves.map((p) => p[0]))`))
	assert.Equal(t, "true", js(`String(last.Points.Train.length > 0)`), "the page's data points: %s", js(`JSON.stringify(last.Points).slice(0, 200)`))

	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#pause"))))
	state := func() string { return js(`document.getElementById("state").textContent`) }
	for deadline := time.Now().Add(5 * time.Second); state() != "paused"; time.Sleep(20 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the page did not say paused within 5 s of Pause")
	}
	time.Sleep(300 * time.Millisecond) // an event in flight lands
	held := epoch()
	time.Sleep(700 * time.Millisecond)
	assert.Equal(t, held, epoch(), "paused, the epoch counter holds")
	assert.Equal(t, "paused", state())

	type box struct{ X, Y, Width, Height float64 }
	rect, err := chromedp.Run(bctx, chromedp.Evaluate[box](`document.getElementById("boundary").getBoundingClientRect().toJSON()`))
	require.NoError(t, err)
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	canvas := image.Rect(int(rect.X)+1, int(rect.Y)+1, int(rect.X+rect.Width)-1, int(rect.Y+rect.Height)-1)
	require.True(t, canvas.In(img.Bounds()), "the canvas %v lies outside the %v screenshot", canvas, img.Bounds())
	share := classShares(img, canvas, 3)
	t.Logf("the heatmap's class tints cover %.1f%%, %.1f%%, %.1f%% of the canvas", 100*share[0], 100*share[1], 100*share[2])
	for k, s := range share {
		// Each spiral arm's region is about a third of the plane; the points
		// drawn on top cover a few percent. 5% is far below a region, far
		// above stray pixels of a tint.
		assert.Greater(t, s, 0.05, "class %d's tint covers %.1f%% of the canvas", k, 100*s)
	}
	if os.Getenv("GLTRAIN_UPDATE_SCREENSHOTS") == "1" {
		writeScreenshot(t, filepath.Join("..", "..", "docs", "serve.png"), img)
	}

	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#stop"))))
	select {
	case c := <-code:
		assert.Equal(t, 130, c, "Stop ends the run as Ctrl-C does")
	case <-time.After(10 * time.Second):
		t.Fatal("the page's Stop did not end the run in 10 s")
	}
}

// classShares is the fraction of r's pixels in the tint of each class
// 0…k-1, within 6 of 255 on each channel (the browser draws the PNG's
// colours as they are; the margin is for its scaling at cell edges).
func classShares(img image.Image, r image.Rectangle, k int) []float64 {
	near := func(a, b uint8) bool { return max(a, b)-min(a, b) <= 6 }
	counts := make([]float64, k)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			for i := range k {
				want := live.Tint(live.ClassColour(i))
				if near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) {
					counts[i]++
				}
			}
		}
	}
	for i := range counts {
		counts[i] /= float64(r.Dx() * r.Dy())
	}
	return counts
}

// writeScreenshot writes img to path as a PNG, at half its size (2×2
// pixels averaged) where the whole one would take 100 KB or more, refusing
// a half that still does: the README's picture must stay small.
func writeScreenshot(t *testing.T, path string, img image.Image) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	require.NoError(t, enc.Encode(&buf, img))
	if buf.Len() < 100<<10 {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		t.Logf("wrote %s (%d bytes)", path, buf.Len())
		return
	}
	buf.Reset()
	b := img.Bounds()
	half := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := range half.Rect.Dy() {
		for x := range half.Rect.Dx() {
			var sum [4]uint32
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				r, g, bl, a := img.At(b.Min.X+2*x+d[0], b.Min.Y+2*y+d[1]).RGBA()
				sum[0], sum[1], sum[2], sum[3] = sum[0]+r, sum[1]+g, sum[2]+bl, sum[3]+a
			}
			half.SetRGBA(x, y, color.RGBA{uint8(sum[0] / 4 >> 8), uint8(sum[1] / 4 >> 8), uint8(sum[2] / 4 >> 8), uint8(sum[3] / 4 >> 8)})
		}
	}
	require.NoError(t, enc.Encode(&buf, half))
	require.Less(t, buf.Len(), 100<<10, "the screenshot is too large for the README")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	t.Logf("wrote %s (%d bytes)", path, buf.Len())
}
