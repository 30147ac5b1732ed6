package view

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/go-gl/gl/v3.3-core/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"gltrain/live"
)

// ErrNoDisplay is Open's error when there is no display to open a window on.
var ErrNoDisplay = errors.New("no display")

// Hub is what the window needs of a run's live.Hub: its state, and the
// controls it sends back.
type Hub interface {
	Snapshot() live.Snapshot
	Subscribe() (<-chan struct{}, func())
	Pause()
	Resume()
	Step()
	Restart(seed int64)
	SetStepsPerFrame(n int)
	StepsPerFrame() int
	Stop()
}

var _ Hub = (*live.Hub)(nil)

// Options shape the window.
type Options struct {
	// Width and Height are the window's size in pixels (1100×720 when 0).
	Width, Height int
	// Title is the window's title ("gltrain" when empty).
	Title string
	// Dir is where screenshots go when the snapshot names no run folder
	// ("." when empty).
	Dir string
	// CloseWhenDone returns from Run once the run is done; by default the
	// window stays open on the final state until it is closed.
	CloseWhenDone bool
	// OnFrame, when set, is called after each frame is drawn, with the
	// frame's pixels read back from the default framebuffer (glReadPixels):
	// for tests, which check what the window shows.
	OnFrame func(Frame)
}

// Frame is a drawn frame, as OnFrame sees it.
type Frame struct {
	Snapshot live.Snapshot
	Pixels   *image.RGBA
	// Heatmap is where the decision map's W×H cells are drawn in Pixels
	// (cell (i, j) covers the i-th W-th of its width, the j-th H-th of its
	// height from the top); empty when there is none.
	Heatmap image.Rectangle
	// Pictures are where the misclassified images, then the filters, are
	// drawn, in order (an empty rectangle for one that did not fit).
	Pictures []image.Rectangle
	// Plots are the curves' axes, each the box whose left and bottom edges
	// are the axes: the loss's, then the accuracy's where it is measured
	// (not for regression or text). The least to the greatest value of
	// both series (0 to 1 for accuracy) spans the box's height, the first
	// to the last step its width.
	Plots []image.Rectangle
	// Close closes the window as its close button does (which stops the
	// run); OnFrame may call it.
	Close func()
}

// Window is a GLFW window showing a run. Its methods must be called on the
// goroutine that called Open, which Open locks to its OS thread (GLFW wants
// the process's main thread: cmd/train calls Open from main's goroutine).
type Window struct {
	o      Options
	win    *glfw.Window
	r      *renderer
	tex    textures
	spf    int       // the speed last drawn
	placed placed    // where the last frame put things
	note   string    // a message shown for a while (a screenshot's path)
	until  time.Time // when note goes
}

// glfwOnce guards GLFW's process-wide Init/Terminate: one window at a time.
var glfwOnce sync.Mutex

// Open opens the window, with an OpenGL 3.3 core context current on the
// calling goroutine's thread. Without a display it fails with an error that
// wraps ErrNoDisplay.
func Open(o Options) (w *Window, err error) {
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1100, 720
	}
	if o.Title == "" {
		o.Title = "gltrain"
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("%w: DISPLAY is not set", ErrNoDisplay)
	}
	if !glfwOnce.TryLock() {
		return nil, errors.New("view: a window is already open in this process")
	}
	runtime.LockOSThread()
	defer func() {
		// go-gl/glfw panics on errors it does not expect; report them instead.
		if r := recover(); r != nil {
			err = fmt.Errorf("view: GLFW failed: %v", r)
		}
		if err != nil {
			runtime.UnlockOSThread()
			glfwOnce.Unlock()
		}
	}()
	if err := initGLFW(); err != nil {
		return nil, err
	}
	glfw.WindowHint(glfw.ContextVersionMajor, 3)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	win, err := glfw.CreateWindow(o.Width, o.Height, o.Title, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("view: no OpenGL 3.3 core window: %w", err)
	}
	win.MakeContextCurrent()
	fail := func(err error) (*Window, error) {
		win.Destroy()
		glfw.Terminate()
		return nil, err
	}
	if err := gl.Init(); err != nil {
		return fail(fmt.Errorf("view: loading GL entry points: %w", err))
	}
	glfw.SwapInterval(1)
	r, err := newRenderer()
	if err == nil {
		err = checkGL("making the renderer")
	}
	if err != nil {
		return fail(err)
	}
	return &Window{o: o, win: win, r: r}, nil
}

// Close destroys the window; call it on Open's goroutine.
func (w *Window) Close() {
	if w.win == nil {
		return
	}
	w.tex.release()
	w.r.release()
	glfw.DetachCurrentContext()
	w.win.Destroy()
	glfw.Terminate()
	w.win = nil
	runtime.UnlockOSThread()
	glfwOnce.Unlock()
}

// minFrame is the least time between frames: the window redraws when the
// run's state changes or on input, at most this often, and at most a tenth
// of the time (after a frame that took t, not before 9t more), so that
// drawing on a software renderer (llvmpipe: 5-30 ms a frame), which shares
// the CPU with training, takes little from it.
const minFrame = 100 * time.Millisecond

// Run shows h's run until the window is closed (which stops the run, as
// Ctrl-C does: h.Stop()), ctx is done, or, with CloseWhenDone, the run is
// done. It returns an error only when drawing fails.
func (w *Window) Run(ctx context.Context, h Hub) error {
	changed, unsubscribe := h.Subscribe()
	defer unsubscribe()
	quit := make(chan struct{})
	defer close(quit)
	go func() { // wakes the event loop when ctx ends
		select {
		case <-ctx.Done():
			glfw.PostEmptyEvent()
		case <-quit:
		}
	}()
	// The loop polls the hub's signal at most once a frame rather than
	// being woken by it: a run that publishes thousands of times a second
	// (the spiral's epochs) must not wake this thread, or the X server, each
	// time. Input wakes the loop at once.
	pending := true // a change not yet drawn
	w.win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
		if action == glfw.Press || action == glfw.Repeat {
			w.key(h, key)
			pending = true
		}
	})
	w.win.SetCharCallback(func(_ *glfw.Window, ch rune) {
		if w.char(h, ch) {
			pending = true
		}
	})
	w.win.SetFramebufferSizeCallback(func(*glfw.Window, int, int) { pending = true })
	var last time.Time
	gap := minFrame
	for {
		if w.win.ShouldClose() {
			h.Stop()
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if !w.until.IsZero() && time.Now().After(w.until) {
			w.note, w.until = "", time.Time{}
			pending = true
		}
		wait := gap - time.Since(last)
		if wait <= 0 {
			select {
			case <-changed:
				pending = true
			default:
			}
		}
		if pending && wait <= 0 {
			pending, last = false, time.Now()
			s := h.Snapshot()
			if err := w.frame(s, h.StepsPerFrame()); err != nil {
				return err
			}
			gap = max(minFrame, 9*time.Since(last))
			if s.Done && (w.o.CloseWhenDone || s.Err != "" && len(s.Curves) == 0) {
				return nil // done; or failed before an epoch, which the terminal says
			}
			continue
		}
		timeout := wait // until the next frame may be drawn
		if wait <= 0 {
			timeout = minFrame // nothing changed: look again then
		}
		if !w.until.IsZero() {
			timeout = min(timeout, 100*time.Millisecond) // to take the note down in time
		}
		glfw.WaitEventsTimeout(timeout.Seconds())
	}
}

// frame draws s, hands it to OnFrame, and shows it.
func (w *Window) frame(s live.Snapshot, spf int) error {
	w.spf = spf
	fw, fh := w.win.GetFramebufferSize()
	at := w.draw(s, spf, fw, fh)
	if err := checkGL("drawing"); err != nil {
		return err
	}
	if w.o.OnFrame != nil {
		w.o.OnFrame(Frame{Snapshot: s, Pixels: readPixels(fw, fh), Heatmap: at.heatmap, Pictures: at.pictures, Plots: at.plots,
			Close: func() { w.win.SetShouldClose(true) }})
	}
	w.win.SwapBuffers()
	return nil
}

// key applies a key's control.
func (w *Window) key(h Hub, key glfw.Key) {
	switch key {
	case glfw.KeySpace:
		if h.Snapshot().Paused {
			h.Resume()
		} else {
			h.Pause()
		}
	case glfw.KeyS, glfw.KeyRight:
		h.Step()
	case glfw.KeyKPAdd:
		h.SetStepsPerFrame(faster(h.StepsPerFrame()))
	case glfw.KeyKPSubtract:
		h.SetStepsPerFrame(slower(h.StepsPerFrame()))
	case glfw.KeyR:
		seed := rand.Int64N(1 << 31)
		h.Restart(seed)
		w.say(fmt.Sprintf("restarted with -seed=%d", seed))
	case glfw.KeyP:
		path, err := w.screenshot(h.Snapshot())
		if err != nil {
			w.say("screenshot: " + err.Error())
		} else {
			w.say("saved " + path)
		}
	case glfw.KeyEscape, glfw.KeyQ:
		w.win.SetShouldClose(true)
	}
}

// char applies a typed character's control (+ and -, by character
// whatever the keyboard layout) and says whether it was one.
func (w *Window) char(h Hub, ch rune) bool {
	switch ch {
	case '+':
		h.SetStepsPerFrame(faster(h.StepsPerFrame()))
	case '-':
		h.SetStepsPerFrame(slower(h.StepsPerFrame()))
	default:
		return false
	}
	return true
}

// say shows a message for a few seconds.
func (w *Window) say(s string) { w.note, w.until = s, time.Now().Add(4*time.Second) }

// maxLimit is the fastest limited speed, in steps per frame: faster goes
// from it to no limit (0, the hub's default), slower from no limit to it.
const maxLimit = 1024

// faster and slower step the hub's speed limit through 1, 2, 4, …
// maxLimit steps per frame and no limit.
func faster(n int) int {
	if n <= 0 || 2*n > maxLimit {
		return 0
	}
	return 2 * n
}

func slower(n int) int {
	if n <= 0 {
		return maxLimit
	}
	return max(1, n/2)
}
