package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gltrain/live"
)

// eventGap is the least time between two events of a stream: the page
// need not redraw more than ten times a second.
const eventGap = 100 * time.Millisecond

// maxPoints is the most data points of each set an event carries, and
// maxCurve the most curve points; past them an event sends an even sample
// (a curve's last point always among them).
const (
	maxPoints = 2000
	maxCurve  = 1000
)

// Event is the JSON of an event: the snapshot, with its pictures as URLs.
type Event struct {
	live.Snapshot
	Boundary      *BoundaryEvent `json:"Boundary"`
	Misclassified []ImageEvent   `json:"Misclassified"`
	Filters       []ImageEvent   `json:"Filters"`
	StepsPerFrame int            // the speed limit, 0 for none
	Palette       []string       // the classes' colours, "#rrggbb"
}

// BoundaryEvent is the decision map without its cells: the page loads
// them as a PNG from URL.
type BoundaryEvent struct {
	W, H                   int
	XMin, XMax, YMin, YMax float64
	Epoch                  int
	Step                   int64
	URL                    string
	Train, Val             []live.Sample
}

// ImageEvent is an image as a PNG data URL.
type ImageEvent struct {
	URL, Label string
	W, H       int
}

// events streams the run: a snapshot at once, then one after each change
// (at most one every eventGap), until the request or the server ends; a
// server that ends sends the last state first.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	changed, unsubscribe := s.hub.Subscribe()
	defer unsubscribe()
	send := func() bool {
		b, err := json.Marshal(s.event())
		if err == nil {
			_, err = fmt.Fprintf(w, "data: %s\n\n", b)
		}
		flusher.Flush()
		return err == nil
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.quit:
			send()
			return
		case <-changed:
			if !send() {
				return
			}
			select {
			case <-time.After(eventGap):
			case <-r.Context().Done():
				return
			case <-s.quit:
				send()
				return
			}
		}
	}
}

// event is the hub's snapshot as the page reads it.
func (s *Server) event() Event {
	snap := s.hub.Snapshot()
	e := Event{Snapshot: snap, StepsPerFrame: s.hub.StepsPerFrame()}
	e.Snapshot.Boundary, e.Snapshot.Misclassified, e.Snapshot.Filters = nil, nil, nil
	e.Curves = live.Evenly(snap.Curves, maxCurve)
	for k := range max(len(snap.Classes), 1) {
		c := live.ClassColour(k)
		e.Palette = append(e.Palette, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
	}
	if b := snap.Boundary; b != nil {
		e.Boundary = &BoundaryEvent{W: b.W, H: b.H, XMin: b.XMin, XMax: b.XMax, YMin: b.YMin, YMax: b.YMax, Epoch: b.Epoch, Step: b.Step,
			URL: "/boundary.png?step=" + strconv.FormatInt(b.Step, 10), Train: live.Evenly(b.Train, maxPoints), Val: live.Evenly(b.Val, maxPoints)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e.Misclassified = s.png.images(&s.png.wrong, snap.Misclassified)
	e.Filters = s.png.images(&s.png.filters, snap.Filters)
	return e
}

// control is POST /control/NAME: pause, resume, step, stop, restart (form
// value seed, default the time), speed (form value spf, steps a frame, 0
// for no limit).
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Gltrain") == "" {
		http.Error(w, "a control needs the header X-Gltrain (sent by the page)", http.StatusForbidden)
		return
	}
	intValue := func(key string, def int64) (int64, bool) {
		v := r.FormValue(key)
		if v == "" {
			return def, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("%s=%q: want an integer", key, v), http.StatusBadRequest)
			return 0, false
		}
		return n, true
	}
	switch name := r.PathValue("name"); name {
	case "pause":
		s.hub.Pause()
	case "resume":
		s.hub.Resume()
	case "step":
		s.hub.Step()
	case "stop":
		s.hub.Stop()
	case "restart":
		seed, ok := intValue("seed", time.Now().UnixNano()&(1<<31-1))
		if !ok {
			return
		}
		s.hub.Restart(seed)
	case "speed":
		spf, ok := intValue("spf", 0)
		if !ok {
			return
		}
		if spf < 0 || spf > 1<<20 {
			http.Error(w, fmt.Sprintf("spf=%d: want 0 (no limit) to %d steps a frame", spf, 1<<20), http.StatusBadRequest)
			return
		}
		s.hub.SetStepsPerFrame(int(spf))
	default:
		http.Error(w, fmt.Sprintf("no control %q: want pause, resume, step, stop, restart or speed", name), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
