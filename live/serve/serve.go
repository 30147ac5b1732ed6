// Package serve is train -serve: the live view of a training run as a web
// page, for machines without a display.
//
// The page and its script are embedded in the binary (static/), with one
// vendored chart library, uPlot (static/uplot: its version and licence
// there); nothing is loaded from elsewhere. The page follows the run by
// Server-Sent Events (GET /events: the whole state first, then at each
// change, at most ten a second, only what changed: see Event), shows the
// decision boundary as a PNG (GET /boundary.png, versioned by step), and
// sends its controls as POSTs to /control/NAME
// (pause, resume, step, stop, restart with seed=N, speed with spf=N). A
// control must carry the header X-Gltrain: a custom header makes a
// browser ask first (CORS preflight, which this server never grants), so
// that another site's page cannot stop or restart the run.
package serve

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gltrain/live"
)

//go:embed static
var static embed.FS

// Addr is the address -serve=ADDR binds: ADDR as given when it names a
// host ("localhost:8080", "0.0.0.0:8080" for every interface), and the
// loopback interface for a bare port (":8080" is 127.0.0.1:8080), so that
// a run is not shown to the network unless asked.
func Addr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("want HOST:PORT or :PORT (the loopback interface), e.g. localhost:8080, :8080 or 0.0.0.0:8080 for every interface")
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Server serves a hub's run.
type Server struct {
	hub  *live.Hub
	ln   net.Listener
	srv  *http.Server
	quit chan struct{} // closed by Close: the event streams send their last and end
	done chan struct{} // closed when Serve returns
	err  error         // Serve's, once done

	mu  sync.Mutex
	png pngCache
}

// Listen binds addr (see Addr) and returns the server, not yet serving;
// the error names the address (a busy port, an unknown host).
func Listen(hub *live.Hub, addr string) (*Server, error) {
	bind, err := Addr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
		}
		hint := ""
		if strings.Contains(err.Error(), "address already in use") {
			hint = " (another program has this port: choose another, or :0 for any free one)"
		}
		return nil, fmt.Errorf("cannot listen on %s: %v%s", bind, err, hint)
	}
	s := &Server{hub: hub, ln: ln, quit: make(chan struct{}), done: make(chan struct{})}
	handler := s.Handler()
	if isLoopback(ln.Addr()) {
		handler = loopbackOnly(handler)
	}
	s.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// URL is the page's address. A server on every interface (0.0.0.0, ::)
// is named by the machine's host name, which another machine can open:
// "http://[::]:8080/" names no machine.
func (s *Server) URL() string {
	addr := s.ln.Addr().String()
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		addr = net.JoinHostPort(host, strconv.Itoa(a.Port))
	}
	return "http://" + addr + "/"
}

// Start serves in a goroutine until Close.
func (s *Server) Start() {
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
}

// Close lets each event stream send the run's last state, then stops
// serving, waiting at most a second for the streams to end.
func (s *Server) Close() error {
	close(s.quit)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return errors.Join(err, s.err)
}

// Handler is the server's routes, for a test's httptest.Server too.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /boundary.png", s.boundaryPNG)
	mux.HandleFunc("POST /control/{name}", s.control)
	return mux
}

// NewHandler is a server of hub without a listener (for tests and for
// mounting the view in another server); its event streams end with their
// requests.
func NewHandler(hub *live.Hub) http.Handler {
	return (&Server{hub: hub, quit: make(chan struct{})}).Handler()
}
