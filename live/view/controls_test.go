package view_test

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-gl/glfw/v3.3/glfw"

	"gltrain/live"
	"gltrain/live/view"
)

// recorder is a live.Hub that also records the controls it is sent.
type recorder struct {
	*live.Hub
	mu    sync.Mutex
	calls []string
}

func (r *recorder) log(s string) { r.mu.Lock(); r.calls = append(r.calls, s); r.mu.Unlock() }
func (r *recorder) Pause()       { r.log("pause"); r.Hub.Pause() }
func (r *recorder) Resume()      { r.log("resume"); r.Hub.Resume() }
func (r *recorder) Step()        { r.log("step"); r.Hub.Step() }
func (r *recorder) Stop()        { r.log("stop"); r.Hub.Stop() }
func (r *recorder) Restart(seed int64) {
	r.log("restart")
	r.Hub.Restart(seed)
}

// TestControls: each key sends its control to the hub; p writes the
// window's picture into the run folder as a PNG of the window's size; Esc
// closes the window, which stops the run.
func TestControls(t *testing.T) {
	dir := t.TempDir()
	w := open(t, view.Options{Width: 400, Height: 300})
	h := &recorder{Hub: live.NewHub()}
	h.Update(func(s *live.Snapshot) { s.Run, s.Epoch, s.Epochs = dir, 3, 5 })
	for i, tc := range []struct {
		key  glfw.Key
		want string
	}{
		{glfw.KeySpace, "pause"}, {glfw.KeySpace, "resume"}, {glfw.KeyS, "step"}, {glfw.KeyRight, "step"}, {glfw.KeyR, "restart"},
	} {
		w.Key(h, tc.key)
		if n := len(h.calls); n != i+1 || h.calls[n-1] != tc.want {
			t.Fatalf("%d: key %v: calls %v, want %s last", i, tc.key, h.calls, tc.want)
		}
	}
	if h.Snapshot().Paused {
		t.Error("a restart leaves the run paused")
	}
	for i, tc := range []struct {
		ch   rune
		want int
	}{{'-', 1024}, {'-', 512}, {'+', 1024}, {'+', 0}} {
		w.Char(h, tc.ch)
		if got := h.StepsPerFrame(); got != tc.want {
			t.Errorf("%d: %q: %d steps per frame, want %d", i, tc.ch, got, tc.want)
		}
	}
	w.Key(h, glfw.KeyP)
	path := filepath.Join(dir, "gltrain-view-epoch3.png")
	if !strings.Contains(w.Note(), path) {
		t.Errorf("after p the window says %q, want the path %s", w.Note(), path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.Width != 400 || cfg.Height != 300 {
		t.Errorf("screenshot %dx%d, want the window's 400x300", cfg.Width, cfg.Height)
	}
	w.Key(h, glfw.KeyEscape)
	if !w.ShouldClose() {
		t.Fatal("Esc does not close the window")
	}
	if err := w.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if last := h.calls[len(h.calls)-1]; last != "stop" {
		t.Errorf("closing the window: calls %v, want stop last", h.calls)
	}
}
