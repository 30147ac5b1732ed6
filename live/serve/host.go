package serve

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// loopbackOnly refuses requests whose Host header names anything but the
// loopback interface (localhost, 127.0.0.1, ::1), as a server bound to
// the loopback interface only ever expects: a page of another site whose
// name an attacker points at 127.0.0.1 (DNS rebinding) would otherwise be
// of the same origin as this one, read the run's events and send its
// controls, X-Gltrain header and all. ssh -L 8080:localhost:8080 keeps
// "localhost:8080".
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.ToLower(host), ".")
		ip := net.ParseIP(strings.Trim(host, "[]"))
		if host != "localhost" && !strings.HasSuffix(host, ".localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, fmt.Sprintf("this server answers on the loopback interface only, not to host %q (open http://localhost:PORT/)", r.Host), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isLoopback reports whether the listener is bound to a loopback address.
func isLoopback(addr net.Addr) bool {
	a, ok := addr.(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}
