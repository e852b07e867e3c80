package controller

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// publicRoutes is the handler of /public/v1/: CORS for any origin (the
// catalogue is public and carries no credentials), the per-client rate
// limit, then the two read routes. Every other method or path under it
// is a 405 or a 404 in the same JSON shape.
func (s *Server) publicRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public/v1/titles", s.handlePublicList)
	mux.HandleFunc("GET /public/v1/titles/{id}", s.handlePublicTitle)
	mux.HandleFunc("/public/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.publicError(w, r, http.StatusNotFound, "no public route "+r.URL.Path+": GET /public/v1/titles or /public/v1/titles/{id}")
	})
	lim := newClientLimiter(s.cfg.Public.RatePerSec, s.cfg.Public.Burst)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Retry-After")
		switch r.Method {
		case http.MethodOptions:
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "If-None-Match")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		case http.MethodGet, http.MethodHead:
		default:
			h.Set("Allow", "GET, HEAD, OPTIONS")
			s.publicError(w, r, http.StatusMethodNotAllowed, "the public catalogue is read-only: GET, HEAD or OPTIONS")
			return
		}
		if wait, ok := lim.allow(clientHost(r), time.Now()); !ok {
			h.Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
			s.publicError(w, r, http.StatusTooManyRequests, "too many requests from this address: retry after the Retry-After seconds")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// clientHost is the request's peer address without its port.
func clientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientLimiter is a token bucket per client address. Its memory is
// bounded: past maxClients addresses, those idle for a minute are
// forgotten (a forgotten client starts again with a full bucket), and
// if none is, new addresses share one bucket until some are.
type clientLimiter struct {
	rate  rate.Limit
	burst int
	off   bool

	mu      sync.Mutex
	clients map[string]*clientBucket
	shared  *rate.Limiter
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

const maxClients = 65536

func newClientLimiter(perSec float64, burst int) *clientLimiter {
	return &clientLimiter{rate: rate.Limit(perSec), burst: burst, off: perSec < 0,
		clients: map[string]*clientBucket{}, shared: rate.NewLimiter(rate.Limit(perSec), burst)}
}

// allow takes a token from host's bucket; when there is none it says
// how long until there is.
func (l *clientLimiter) allow(host string, now time.Time) (time.Duration, bool) {
	if l.off {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[host]
	if b == nil {
		if len(l.clients) >= maxClients {
			l.forgetIdle(now)
		}
		if len(l.clients) >= maxClients {
			return reserve(l.shared, now)
		}
		b = &clientBucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[host] = b
	}
	b.seen = now
	return reserve(b.lim, now)
}

func (l *clientLimiter) forgetIdle(now time.Time) {
	for h, b := range l.clients {
		if now.Sub(b.seen) > time.Minute {
			delete(l.clients, h)
		}
	}
}

// reserve takes a token now, or reports the wait without taking one.
func reserve(lim *rate.Limiter, now time.Time) (time.Duration, bool) {
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}
