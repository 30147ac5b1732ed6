package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/live"
)

func TestAddr(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{":8080", "127.0.0.1:8080", ""},
		{"localhost:8080", "localhost:8080", ""},
		{"0.0.0.0:8080", "0.0.0.0:8080", ""},
		{"[::1]:0", "[::1]:0", ""},
		{"8080", "", "want HOST:PORT or :PORT"},
		{"localhost:", "", "want HOST:PORT or :PORT"},
	} {
		got, err := Addr(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// TestListenBusy: a port in use is refused with the address and the
// reason.
// TestURL: the address printed is one a browser can open: the loopback's
// as bound, and for every interface (0.0.0.0, which Go binds as [::]) the
// machine's host name, not "[::]".
func TestURL(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	for _, tc := range []struct{ addr, wantHost string }{
		{"127.0.0.1:0", "127.0.0.1"},
		{"0.0.0.0:0", host},
	} {
		s, err := Listen(live.NewHub(), tc.addr)
		require.NoError(t, err, tc.addr)
		port := strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port)
		assert.Equal(t, "http://"+net.JoinHostPort(tc.wantHost, port)+"/", s.URL(), tc.addr)
		s.ln.Close()
	}
}

// TestLoopbackHost: a server on the loopback interface answers requests
// for localhost and loopback addresses, and refuses (403) another host
// name, which only DNS rebinding can send it: another site's page would
// otherwise read the events and send the controls as the page does.
func TestLoopbackHost(t *testing.T) {
	hub := live.NewHub()
	s, err := Listen(hub, "127.0.0.1:0")
	require.NoError(t, err)
	s.Start()
	defer s.Close()
	port := strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:" + port, http.StatusNoContent},
		{"localhost:" + port, http.StatusNoContent},
		{"LOCALHOST.:" + port, http.StatusNoContent},
		{"[::1]:" + port, http.StatusNoContent},
		{"localhost", http.StatusNoContent},
		{"attacker.example:" + port, http.StatusForbidden},
		{"127.0.0.1.attacker.example", http.StatusForbidden},
	} {
		req, err := http.NewRequest("POST", s.URL()+"control/pause", nil)
		require.NoError(t, err)
		req.Host = tc.host
		req.Header.Set("X-Gltrain", "1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, tc.host)
		resp.Body.Close()
		assert.Equal(t, tc.want, resp.StatusCode, "Host: %s", tc.host)
	}
	assert.True(t, hub.Snapshot().Paused, "the pause from localhost")
}

func TestListenBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, err = Listen(live.NewHub(), ln.Addr().String())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot listen on "+ln.Addr().String()+": ")
	assert.Contains(t, err.Error(), "address already in use (another program has this port")
}

// page is the run's state as the page keeps it (app.js's merge): the
// events of a connection merged.
type page struct {
	Event         // the last event, its counters
	Size      int // the last event's bytes on the wire
	Curves    []CurvePoint
	Palette   []string
	Confusion [][]int
	Boundary  *BoundaryEvent
	Points    *struct{ Train, Val [][3]float64 }
	Filters   []ImageEvent
}

// merge applies the event e, of size bytes, as app.js does.
func (p page) merge(e Event, size int) (page, error) {
	if e.Full {
		p = page{}
	}
	p.Event, p.Size = e, size
	p.Curves = append(slices.Clip(p.Curves), e.Curves...)
	for _, f := range []struct {
		msg json.RawMessage
		to  any
	}{{e.Palette, &p.Palette}, {e.Confusion, &p.Confusion}, {e.Boundary, &p.Boundary}, {e.Points, &p.Points}, {e.Filters, &p.Filters}} {
		if f.msg != nil {
			reflect.ValueOf(f.to).Elem().SetZero()
			if err := json.Unmarshal(f.msg, f.to); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// stream reads the events of GET /events into a channel, each as the page
// holds the state after it.
func stream(t *testing.T, url string) <-chan page {
	t.Helper()
	resp, err := http.Get(url + "/events")
	require.NoError(t, err)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	ch := make(chan page, 1000)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<24)
		var p page
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e Event
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				t.Errorf("event %.100s: %v", data, err)
				return
			}
			if p, err = p.merge(e, len(sc.Text())+2); err != nil {
				t.Errorf("event %.100s: %v", data, err)
				return
			}
			ch <- p
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return ch
}

// next is the next event (5 s at most).
func next(t *testing.T, ch <-chan page) page {
	t.Helper()
	select {
	case e, ok := <-ch:
		require.True(t, ok, "the stream ended")
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event in 5 s")
		return page{}
	}
}

func post(t *testing.T, url, control string, header bool) int {
	t.Helper()
	req, err := http.NewRequest("POST", url+"/control/"+control, nil)
	require.NoError(t, err)
	if header {
		req.Header.Set("X-Gltrain", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// fakeTrainer runs "epochs" of one step each through the hub's Gate, every
// few milliseconds, publishing a curve point and a 4×4 decision map.
func fakeTrainer(ctx context.Context, hub *live.Hub) <-chan error {
	done := make(chan error, 1)
	go func() {
		for e := 1; ; e++ {
			if err := hub.Gate(ctx); err != nil {
				done <- err
				return
			}
			b := &live.Boundary{W: 4, H: 4, XMin: -1, XMax: 1, YMin: -1, YMax: 1, Step: int64(e), Class: make([]uint8, 16),
				Train: []live.Sample{{X: 0.5, Y: -0.5, Class: 1}}}
			for i := range b.Class {
				b.Class[i] = uint8(i % 3)
			}
			hub.Update(func(s *live.Snapshot) {
				s.Epoch, s.Epochs, s.Step, s.Classes = e, 1000, int64(e), []string{"a", "b", "c"}
				s.Curves = append(s.Curves, live.Point{Epoch: e, Step: int64(e), TrainLoss: 1 / float64(e), ValLoss: 2 / float64(e), TrainAcc: 0.5, ValAcc: 0.25})
				s.Boundary = b
				s.Filters = []live.Image{{W: 2, H: 1, C: 1, Pix: []float32{0, 1}}}
			})
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return done
}

// TestEventStream: the stream carries the epoch, the curves, the palette
// and the boundary's URL; a control needs the page's header; after a
// POST of pause the epoch counter stops (within the one epoch in flight),
// and resume starts it again.
func TestEventStream(t *testing.T) {
	hub := live.NewHub()
	srv := httptest.NewServer(NewHandler(hub))
	t.Cleanup(srv.Close) // after the stream's Cleanup closes its connection
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trainer := fakeTrainer(ctx, hub)
	events := stream(t, srv.URL)

	var e page
	for e = next(t, events); e.Epoch < 3; e = next(t, events) {
	}
	assert.Equal(t, 1000, e.Epochs)
	require.NotEmpty(t, e.Curves)
	last := e.Curves[len(e.Curves)-1]
	assert.Equal(t, e.Epoch, last.Epoch)
	// Rounded to 6 significant digits: a relative error of at most 5e-6.
	assert.InEpsilon(t, 1/float64(e.Epoch), last.TrainLoss, 5e-6)
	assert.Equal(t, []string{"#1f77b4", "#ff7f0e", "#2ca02c"}, e.Palette)
	require.NotNil(t, e.Boundary)
	assert.Equal(t, "/boundary.png?step="+itoa(e.Boundary.Step), e.Boundary.URL)
	require.NotNil(t, e.Points)
	assert.Equal(t, [][3]float64{{0.5, -0.5, 1}}, e.Points.Train)
	require.Len(t, e.Filters, 1)
	assert.True(t, strings.HasPrefix(e.Filters[0].URL, "data:image/png;base64,"))

	assert.Equal(t, http.StatusForbidden, post(t, srv.URL, "pause", false), "a control without the page's header")
	assert.False(t, hub.Snapshot().Paused)
	assert.Equal(t, http.StatusNotFound, post(t, srv.URL, "explode", true))
	require.Equal(t, http.StatusNoContent, post(t, srv.URL, "pause", true))
	atPause := hub.Snapshot().Epoch
	deadline := time.After(400 * time.Millisecond)
	maxEpoch, paused := 0, false
	for done := false; !done; {
		select {
		case e := <-events:
			maxEpoch, paused = max(maxEpoch, e.Epoch), e.Paused
		case <-deadline:
			done = true
		}
	}
	assert.True(t, paused, "the events say paused")
	assert.LessOrEqual(t, maxEpoch, atPause+1, "paused, the epoch counter stops")
	require.Equal(t, http.StatusNoContent, post(t, srv.URL, "resume", true))
	for e = next(t, events); e.Epoch < maxEpoch+3; e = next(t, events) {
	}
	assert.False(t, e.Paused)

	resp, err := http.Get(srv.URL + e.Boundary.URL)
	require.NoError(t, err)
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 4, img.Bounds().Dx())
	for i := range 16 {
		r, g, b, _ := img.At(i%4, i/4).RGBA()
		want := live.Tint(live.ClassColour(i % 3))
		assert.Equal(t, [3]uint8{want.R, want.G, want.B}, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}, "cell %d", i)
	}

	require.Equal(t, http.StatusNoContent, post(t, srv.URL, "stop", true))
	assert.ErrorIs(t, <-trainer, live.ErrStop)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestPageAndFiles: the page and its script and chart library are served
// from the binary.
func TestPageAndFiles(t *testing.T) {
	srv := httptest.NewServer(NewHandler(live.NewHub()))
	defer srv.Close()
	for path, want := range map[string]string{
		"/":                        `<canvas id="boundary"`,
		"/app.js":                  `new EventSource("/events")`,
		"/uplot/uPlot.iife.min.js": "uPlot",
		"/uplot/LICENSE":           "The MIT License",
	} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, string(body), want, path)
	}
	resp, err := http.Get(srv.URL + "/boundary.png")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no boundary yet")
}

// TestCloseSendsTheEnd: closing the server sends each stream the run's
// last state before it ends them.
func TestCloseSendsTheEnd(t *testing.T) {
	hub := live.NewHub()
	s, err := Listen(hub, "127.0.0.1:0")
	require.NoError(t, err)
	s.Start()
	events := stream(t, strings.TrimSuffix(s.URL(), "/"))
	next(t, events)
	hub.Update(func(s *live.Snapshot) { s.Done, s.Err = true, "interrupted" })
	require.NoError(t, s.Close())
	var e page
	for ev := range events {
		e = ev
	}
	assert.True(t, e.Done)
	assert.Equal(t, "interrupted", e.Err)
}

// longRun is a hub holding a long run's state: 3000 epochs of curves, a
// 3-class 2-D set of 2000 training and 500 validation points, its map and
// confusion matrix, the values not round (as a real run's are).
func longRun() *live.Hub {
	rng := rand.New(rand.NewPCG(1, 2))
	hub := live.NewHub()
	b := &live.Boundary{W: 4, H: 4, XMin: -1.2345678, XMax: 1.2345678, YMin: -1.1, YMax: 1.1, Class: make([]uint8, 16),
		Train: make([]live.Sample, 2000), Val: make([]live.Sample, 500)}
	for _, set := range [][]live.Sample{b.Train, b.Val} {
		for i := range set {
			set[i] = live.Sample{X: rng.Float32()*2 - 1, Y: rng.Float32()*2 - 1, Class: i % 3}
		}
	}
	hub.Update(func(s *live.Snapshot) {
		s.Run, s.Task, s.Classes, s.Epochs = "runs/long", "classification", []string{"a", "b", "c"}, 1000000
		for range 3000 {
			addEpoch(s, rng)
		}
		s.Boundary = b
		s.Confusion = [][]int{{100, 2, 3}, {4, 90, 6}, {7, 8, 80}}
	})
	return hub
}

// addEpoch adds an epoch's curve point to s, at 10 steps an epoch.
func addEpoch(s *live.Snapshot, rng *rand.Rand) {
	s.Epoch++
	s.Step = int64(10 * s.Epoch)
	s.Curves = append(s.Curves, live.Point{Epoch: s.Epoch, Step: s.Step, TrainLoss: rng.Float64(), ValLoss: rng.Float64(),
		TrainAcc: rng.Float64(), ValAcc: math.NaN()})
}

// TestEventBytes: a long run's first event carries the whole state (its
// curves thinned to maxCurve, the points, the map, the matrix), and a page
// that joins late gets the same; the events after the first carry only
// what changed (the new curve points, the new map, the matrix when it
// changed, never the points again), so a page that follows them holds
// the curve to its last epoch, and they average under 5 KB. 5 KB: a
// steady event is its counters and map (about 300 bytes) and the epochs
// since the last, thinned to the curve's density (some 60 bytes each: 4
// of the 10 here); the bound leaves room for 70 points an event, and at ten events a second it is 50 KB/s, where a full
// event of this run is about 100 KB (and every event was 238 KB before
// events were incremental).
func TestEventBytes(t *testing.T) {
	hub := longRun()
	srv := httptest.NewServer(NewHandler(hub))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trained := make(chan struct{})
	go func() { // an epoch every 10 ms, each with a new map; a new matrix every 5
		defer close(trained)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := 1; ctx.Err() == nil; i++ {
			hub.Update(func(s *live.Snapshot) {
				addEpoch(s, rng)
				b := *s.Boundary
				b.Epoch, b.Step = s.Epoch, s.Step
				s.Boundary = &b
				if i%5 == 0 {
					s.Confusion = [][]int{{100 + i, 2, 3}, {4, 90, 6}, {7, 8, 80}}
				}
			})
			time.Sleep(10 * time.Millisecond)
		}
	}()

	checkFull := func(p page) {
		t.Helper()
		assert.True(t, p.Full, "the first event is full")
		require.Len(t, p.Curves, maxCurve, "the curves, thinned")
		assert.Equal(t, 1, p.Curves[0].Epoch, "the curves from the first epoch")
		assert.Equal(t, p.Epoch, p.Curves[maxCurve-1].Epoch, "to the last")
		require.NotNil(t, p.Points)
		assert.Len(t, p.Points.Train, 2000)
		assert.Len(t, p.Points.Val, 500)
		require.NotNil(t, p.Boundary)
		assert.NotEmpty(t, p.Confusion)
		assert.Equal(t, []string{"#1f77b4", "#ff7f0e", "#2ca02c"}, p.Palette)
	}
	events := stream(t, srv.URL)
	p := next(t, events)
	checkFull(p)
	firstSize, fullCurves, covered := p.Size, len(p.Curves), p.Curves[len(p.Curves)-1].Epoch
	const n = 20
	sizes, matrices := 0, 0
	for i := range n {
		p = next(t, events)
		assert.False(t, p.Full, "event %d", i+1)
		assert.Nil(t, p.Event.Points, "event %d sends the points again", i+1)
		if p.Event.Confusion != nil {
			matrices++
		}
		sizes += p.Size
		if i == n/2 {
			late := next(t, stream(t, srv.URL))
			checkFull(late)
			assert.Greater(t, late.Epoch, 3000, "the late page joins a run under way")
		}
	}
	t.Logf("the first event: %d bytes; the %d after it: %d bytes on average", firstSize, n, sizes/n)
	assert.Less(t, sizes/n, 5000, "the events after the first average under 5 KB")
	assert.Positive(t, matrices, "a changed matrix is sent")

	cancel()
	<-trained
	hub.Update(func(s *live.Snapshot) { s.Done = true })
	for !p.Done {
		p = next(t, events)
	}
	want := hub.Snapshot().Curves
	// The page's curve: the first event's, then the epochs since at the
	// same density (thin), to the last; at most 2·maxCurve points, past
	// which the page thins them itself (this run stays under).
	got := p.Curves[fullCurves-1:]
	require.Less(t, len(p.Curves), 2*maxCurve)
	assert.Equal(t, covered, got[0].Epoch)
	assert.Equal(t, len(want), got[len(got)-1].Epoch, "the page's curve ends at the run's last epoch")
	// thin keeps one epoch in ⌈n/maxCurve⌉ of an event's, the gap across
	// two events one more.
	gap := (len(want)+maxCurve-1)/maxCurve + 1
	for i, g := range got[1:] {
		require.Greater(t, g.Epoch, got[i].Epoch, "the epochs increase")
		assert.LessOrEqual(t, g.Epoch-got[i].Epoch, gap, "epochs %d to %d: a gap", got[i].Epoch, g.Epoch)
		w := want[g.Epoch-1]
		// Rounded to 6 significant digits: a relative error of at most 5e-6.
		assert.InEpsilon(t, w.TrainLoss, g.TrainLoss, 5e-6, "epoch %d", g.Epoch)
		assert.InEpsilon(t, w.TrainAcc, g.TrainAcc, 5e-6, "epoch %d", g.Epoch)
		assert.True(t, math.IsNaN(g.ValAcc), "NaN (null) stays NaN")
	}
}

// TestEventRestart: a restart's snapshot (new curves, however long
// already) makes the next event full, so that the page starts afresh;
// an unchanged one sends no curve point again.
func TestEventRestart(t *testing.T) {
	hub := live.NewHub()
	rng := rand.New(rand.NewPCG(5, 6))
	hub.Update(func(s *live.Snapshot) {
		for range 5 {
			addEpoch(s, rng)
		}
	})
	srv := httptest.NewServer(NewHandler(hub))
	t.Cleanup(srv.Close)
	events := stream(t, srv.URL)
	p := next(t, events)
	require.True(t, p.Full)
	require.Len(t, p.Curves, 5)

	hub.Update(func(s *live.Snapshot) { s.Paused = true })
	p = next(t, events)
	assert.False(t, p.Full)
	assert.Empty(t, p.Event.Curves, "no curve point again")
	assert.Len(t, p.Curves, 5)

	hub.Update(func(s *live.Snapshot) { // a restart, already 7 epochs in
		*s = live.Snapshot{}
		for range 7 {
			addEpoch(s, rng)
		}
	})
	p = next(t, events)
	assert.True(t, p.Full, "a restart's event is full")
	require.Len(t, p.Curves, 7)
	assert.InEpsilon(t, hub.Snapshot().Curves[0].TrainLoss, p.Curves[0].TrainLoss, 5e-6, "the new run's first epoch")
}
