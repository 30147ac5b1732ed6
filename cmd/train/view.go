package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"gltrain/live"
	"gltrain/live/view"
)

// train -view (issue #27): a window that shows the run as it trains, from
// the live hub, and sends the hub its controls (live/view).

func init() {
	// GLFW wants the process's main thread: keep main's goroutine on it, so
	// that -view can open its window there and train in another goroutine.
	// Without -view this starts nothing; main's goroutine simply stays put.
	runtime.LockOSThread()
}

// viewOptions are the window's options; tests set them (OnFrame,
// CloseWhenDone, the size).
var viewOptions view.Options

// viewHub, when set, is called with the hub before training starts: tests
// slow training down with it.
var viewHub func(*live.Hub)

// serveHint is what -view's errors suggest instead.
const serveHint = "On a machine without a display or OpenGL 3.3, -serve=localhost:8080 shows the same view in a browser " +
	"(from another machine: ssh -L 8080:localhost:8080 HOST, then open http://localhost:8080)"

// viewHelp is -view's flag help.
const viewHelp = "show the run in a window as it trains (GLFW, OpenGL 3.3): the decision map of 2-D data, the curves,\n" +
	"the confusion matrix, misclassified images and conv filters; keys: space pause/resume, s one step, +/- speed,\n" +
	"r restart with a new seed, p screenshot into the run folder; closing the window stops as Ctrl-C does.\n" +
	"Needs a display: on a machine without one, -serve shows the same in a browser"

// openView opens -view's window on the calling goroutine, which must then
// call runView (nil without -view), or says why it could not, on stderr,
// and returns the exit status: 2 without a display (with a word on -serve),
// else 1.
func openView(c config, stderr io.Writer) (*view.Window, int) {
	if !c.view {
		return nil, 0
	}
	o := viewOptions
	if o.Title == "" {
		o.Title = "gltrain: " + c.data
	}
	w, err := view.Open(o)
	if err == nil {
		return w, 0
	}
	msg := strings.TrimPrefix(err.Error(), "view: ") // "-view: view: …" says it twice
	if errors.Is(err, view.ErrNoDisplay) {
		fmt.Fprintf(stderr, "train: -view: %s: the window needs an X display. %s\n", msg, serveHint)
		return nil, 2
	}
	fmt.Fprintf(stderr, "train: -view: %s. %s\n", msg, serveHint)
	return nil, 1
}

// runView runs mode: with a window, in a goroutine while the window shows
// the hub on this one until it is closed (which stops training as Ctrl-C
// does) or ctx ends; then it waits for mode and returns its error.
func runView(ctx context.Context, w *view.Window, hub *live.Hub, mode func() error) error {
	if w == nil {
		return mode()
	}
	defer w.Close()
	if viewHub != nil {
		viewHub(hub)
	}
	done := make(chan error, 1)
	go func() { done <- mode() }()
	err := w.Run(ctx, hub)
	if err != nil {
		hub.Stop() // the window failed: stop training, keeping the checkpoint
	}
	return errors.Join(<-done, err)
}
