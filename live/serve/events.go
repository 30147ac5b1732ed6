package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
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

// Event is the JSON of an event. The first event of a connection is Full:
// it carries the whole state, and the page starts afresh from it. Each
// later one carries the counters and only what changed since the one
// before: a field left out is unchanged, one that is null is gone. Curves
// holds the curve points to append: on a Full event all of them, evenly
// thinned to maxCurve; later, the epochs since, thinned to that density
// (all of them while the run has at most maxCurve epochs). Numbers are rounded to 6 significant digits, NaN
// and infinities written as null.
type Event struct {
	Full          bool `json:",omitempty"`
	Run, Task     string
	Epoch, Epochs int
	Step          int64
	Paused, Done  bool
	Err           string
	StepsPerFrame int          // the speed limit, 0 for none
	Curves        []CurvePoint `json:",omitempty"`
	// Classes and Palette (the classes' colours, "#rrggbb") come together.
	Classes, Palette json.RawMessage `json:",omitempty"`
	Confusion        json.RawMessage `json:",omitempty"` // [true][predicted]
	Boundary         json.RawMessage `json:",omitempty"` // a BoundaryEvent
	Points           json.RawMessage `json:",omitempty"` // a PointsEvent
	Misclassified    json.RawMessage `json:",omitempty"` // []ImageEvent
	Filters          json.RawMessage `json:",omitempty"` // []ImageEvent
}

// CurvePoint is a live.Point as the array [Epoch, Step, TrainLoss,
// ValLoss, TrainAcc, ValAcc].
type CurvePoint live.Point

// MarshalJSON writes the array, its losses and accuracies rounded.
func (p CurvePoint) MarshalJSON() ([]byte, error) {
	b := append([]byte{'['}, strconv.Itoa(p.Epoch)...)
	b = append(append(b, ','), strconv.FormatInt(p.Step, 10)...)
	for _, v := range []float64{p.TrainLoss, p.ValLoss, p.TrainAcc, p.ValAcc} {
		b = appendNum(append(b, ','), v)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads the array back, null as NaN.
func (p *CurvePoint) UnmarshalJSON(b []byte) error {
	var a [6]*float64
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	v := func(x *float64) float64 {
		if x == nil {
			return math.NaN()
		}
		return *x
	}
	*p = CurvePoint{Epoch: int(v(a[0])), Step: int64(v(a[1])), TrainLoss: v(a[2]), ValLoss: v(a[3]), TrainAcc: v(a[4]), ValAcc: v(a[5])}
	return nil
}

// num is a number rounded to what the page shows.
type num float64

func (x num) MarshalJSON() ([]byte, error) { return appendNum(nil, float64(x)), nil }

// appendNum appends v to 6 significant digits, null if not finite.
func appendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}

// BoundaryEvent is the decision map without its cells, which the page
// loads as a PNG from URL, nor its points (PointsEvent).
type BoundaryEvent struct {
	W, H                   int
	XMin, XMax, YMin, YMax num
	Epoch                  int
	Step                   int64
	URL                    string
}

// PointsEvent is the 2-D data set's points (at most maxPoints a set),
// each the array [x, y, class].
type PointsEvent struct {
	Train, Val []sample
}

type sample live.Sample

func (p sample) MarshalJSON() ([]byte, error) {
	b := appendNum([]byte{'['}, float64(p.X))
	b = appendNum(append(b, ','), float64(p.Y))
	return append(append(append(b, ','), strconv.Itoa(p.Class)...), ']'), nil
}

// ImageEvent is an image as a PNG data URL.
type ImageEvent struct {
	URL, Label string
	W, H       int
}

// sent is what a connection's events have told its page: the next event
// carries only what differs.
type sent struct {
	any       bool       // an event was sent
	curves    int        // the snapshot's curve points covered
	last      live.Point // the last of them, to notice a restart's new curves
	classes   []string
	confusion [][]int
	boundary  *live.Boundary
	train     *live.Sample // the points' identity (the trainer keeps one slice a run)
	nTrain    int
	val       *live.Sample
	nVal      int
	wrong     *ImageEvent // the image events' identity (pngCache keeps them)
	filters   *ImageEvent
}

// events streams the run: the full state at once, then what changed after
// each change (at most one event every eventGap), until the request or the
// server ends; a server that ends sends the last state first. A page that
// reconnects gets the full state again.
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
	var st sent
	send := func() bool {
		b, err := json.Marshal(s.event(&st))
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

// event is the hub's snapshot as the page reads it: what st has not sent
// yet; st then holds it as sent.
func (s *Server) event(st *sent) Event {
	snap := s.hub.Snapshot()
	e := Event{Run: snap.Run, Task: snap.Task, Epoch: snap.Epoch, Epochs: snap.Epochs, Step: snap.Step,
		Paused: snap.Paused, Done: snap.Done, Err: snap.Err, StepsPerFrame: s.hub.StepsPerFrame()}
	// A snapshot whose curves no longer hold what was sent is a restart's:
	// the page starts afresh.
	if c := snap.Curves; st.any && (len(c) < st.curves || st.curves > 0 && !samePoint(c[st.curves-1], st.last)) {
		*st = sent{}
	}
	e.Full = !st.any
	st.any = true

	if n := len(snap.Curves); n > st.curves || e.Full {
		// All, the first and the last among them; after, the new epochs at
		// the full event's density.
		fresh := live.Evenly(snap.Curves, maxCurve)
		if !e.Full {
			fresh = snap.Curves[st.curves:]
			fresh = thin(fresh, max((len(fresh)*maxCurve+n-1)/n, 1))
		}
		for _, p := range fresh {
			e.Curves = append(e.Curves, CurvePoint(p))
		}
		st.curves = n
		if n > 0 {
			st.last = snap.Curves[n-1]
		}
	}
	if e.Full || !slices.Equal(snap.Classes, st.classes) {
		st.classes = snap.Classes
		var palette []string
		for k := range max(len(snap.Classes), 1) {
			c := live.ClassColour(k)
			palette = append(palette, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
		}
		e.Classes, e.Palette = raw(snap.Classes), raw(palette)
	}
	if e.Full || !slices.EqualFunc(snap.Confusion, st.confusion, slices.Equal) || (snap.Confusion == nil) != (st.confusion == nil) {
		st.confusion = snap.Confusion
		e.Confusion = raw(snap.Confusion)
	}
	if b := snap.Boundary; e.Full || b != st.boundary {
		st.boundary = b
		if b == nil {
			e.Boundary = raw(nil)
		} else {
			e.Boundary = raw(BoundaryEvent{W: b.W, H: b.H, XMin: num(b.XMin), XMax: num(b.XMax), YMin: num(b.YMin), YMax: num(b.YMax),
				Epoch: b.Epoch, Step: b.Step, URL: "/boundary.png?step=" + strconv.FormatInt(b.Step, 10)})
		}
	}
	var train, val []live.Sample
	if snap.Boundary != nil {
		train, val = snap.Boundary.Train, snap.Boundary.Val
	}
	if e.Full || first(train) != st.train || len(train) != st.nTrain || first(val) != st.val || len(val) != st.nVal {
		st.train, st.nTrain, st.val, st.nVal = first(train), len(train), first(val), len(val)
		if snap.Boundary == nil {
			e.Points = raw(nil)
		} else {
			e.Points = raw(PointsEvent{Train: samples(train), Val: samples(val)})
		}
	}

	s.mu.Lock()
	wrong := s.png.images(&s.png.wrong, snap.Misclassified)
	filters := s.png.images(&s.png.filters, snap.Filters)
	s.mu.Unlock()
	if e.Full || first(wrong) != st.wrong {
		st.wrong, e.Misclassified = first(wrong), raw(wrong)
	}
	if e.Full || first(filters) != st.filters {
		st.filters, e.Filters = first(filters), raw(filters)
	}
	return e
}

// thin is at most k ≥ 1 of xs, evenly spaced, the last among them: a fast
// run's new epochs at the density of the run's curve as a full event
// sends it, so that the page, which thins its curve past 2·maxCurve
// points, is not sent hundreds of epochs an event to drop.
func thin(xs []live.Point, k int) []live.Point {
	if len(xs) <= k {
		return xs
	}
	out := make([]live.Point, k)
	for i := range out {
		out[i] = xs[len(xs)-1-(k-1-i)*len(xs)/k]
	}
	return out
}

// samePoint is whether two curve points are the same (NaN equal to NaN).
func samePoint(a, b live.Point) bool {
	eq := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.Epoch == b.Epoch && a.Step == b.Step && eq(a.TrainLoss, b.TrainLoss) && eq(a.ValLoss, b.ValLoss) &&
		eq(a.TrainAcc, b.TrainAcc) && eq(a.ValAcc, b.ValAcc)
}

// samples is at most maxPoints of xs, evenly spread, as the wire writes them.
func samples(xs []live.Sample) []sample {
	out := []sample{}
	for _, p := range live.Evenly(xs, maxPoints) {
		out = append(out, sample(p))
	}
	return out
}

// first is the address of xs's first element, its identity; nil if empty.
func first[T any](xs []T) *T {
	if len(xs) == 0 {
		return nil
	}
	return &xs[0]
}

// raw is v's JSON (null for nil); the values given cannot fail to encode.
func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("serve: encoding an event: %v", err)) // a bug: every value here encodes
	}
	return b
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
