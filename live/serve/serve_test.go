package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
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

// stream reads the events of GET /events into a channel.
func stream(t *testing.T, url string) <-chan Event {
	t.Helper()
	resp, err := http.Get(url + "/events")
	require.NoError(t, err)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	ch := make(chan Event, 1000)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e Event
			if json.Unmarshal([]byte(data), &e) == nil {
				ch <- e
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return ch
}

// next is the next event (5 s at most).
func next(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		require.True(t, ok, "the stream ended")
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event in 5 s")
		return Event{}
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

	var e Event
	for e = next(t, events); e.Epoch < 3; e = next(t, events) {
	}
	assert.Equal(t, 1000, e.Epochs)
	require.NotEmpty(t, e.Curves)
	last := e.Curves[len(e.Curves)-1]
	assert.Equal(t, e.Epoch, last.Epoch)
	assert.Equal(t, 1/float64(e.Epoch), last.TrainLoss)
	assert.Equal(t, []string{"#1f77b4", "#ff7f0e", "#2ca02c"}, e.Palette)
	require.NotNil(t, e.Boundary)
	assert.Equal(t, "/boundary.png?step="+itoa(e.Boundary.Step), e.Boundary.URL)
	assert.Equal(t, []live.Sample{{X: 0.5, Y: -0.5, Class: 1}}, e.Boundary.Train)
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
	var e Event
	for ev := range events {
		e = ev
	}
	assert.True(t, e.Done)
	assert.Equal(t, "interrupted", e.Err)
}
