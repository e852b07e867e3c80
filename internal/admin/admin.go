// Package admin is the admin listener shared by vodedge's daemons: it
// serves /metrics from the daemon's own Prometheus registry, /healthz
// (the process is alive), /readyz (the daemon is ready for traffic),
// Go's /debug/pprof profiles, and the routes each daemon adds. It never
// shares a listener with public traffic.
//
// # Authentication
//
// Only /metrics, /healthz and /readyz are open (scrapers and load
// balancers carry no token; they reveal counters and a status line).
// Everything else needs "Authorization: Bearer <token>" with one of
// Config.Tokens, compared in constant time, and every such call is
// written to the log with audit=true and its outcome: the daemons' APIs
// (HandleAuth), /debug/pprof (a profile costs CPU and reveals code
// paths), GET /v1/routes, and any other path under /v1/, so that an
// unauthenticated caller cannot even tell which routes exist. The server
// remembers every route it serves and whether it is authenticated
// (Routes; GET /v1/routes), so a test can walk them all without a token
// and expect 401 from each (cmd/vodedge TestEveryAdminRouteNeedsAToken).
//
// It uses net/http rather than fasthttp: admin traffic is light, and
// promhttp and the standard middleware fit it as they are.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what the admin server exposes.
type Config struct {
	// Gatherer is served on /metrics.
	Gatherer prometheus.Gatherer
	// Ready reports whether the daemon is ready for traffic (/readyz
	// answers 200, else 503) and a detail line for the body, which can
	// carry a warning while ready ("ready; disk tier degraded: …"). nil
	// means always ready.
	Ready  func() (bool, string)
	Logger *slog.Logger
	// Tokens are the bearer tokens of the authenticated routes (see the
	// package doc); none means every such call gets 401.
	Tokens []string
}

// Route is a pattern the server serves and whether it needs a token.
type Route struct {
	Pattern string `json:"pattern"`
	Auth    bool   `json:"auth"`
}

// Server is the admin HTTP server.
type Server struct {
	cfg Config
	mux *http.ServeMux
	srv *http.Server

	mu     sync.Mutex // protects routes
	routes []Route
}

// New builds the admin server with /metrics, /healthz, /readyz, the
// authenticated /debug/pprof/ and GET /v1/routes, and a /v1/ catch-all
// that answers 401 without a token and 404 with one.
func New(cfg Config) *Server {
	mux := http.NewServeMux()
	s := &Server{cfg: cfg, mux: mux, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}}
	if cfg.Logger != nil {
		s.srv.ErrorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	}
	s.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	s.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	s.Handle("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ok, detail := true, "ready"
		if cfg.Ready != nil {
			ok, detail = cfg.Ready()
		}
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(detail + "\n"))
	}))
	own := NewMux()
	own.HandleFunc("GET /debug/pprof/", pprof.Index)
	own.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	own.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	own.HandleFunc("GET /v1/routes", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.Routes())
	})
	own.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no admin route "+r.Method+" "+r.URL.Path+" (GET /v1/routes lists them)", http.StatusNotFound)
	})
	s.HandleAuth(own)
	return s
}

// Handle adds a route that needs no token (net/http ServeMux pattern
// syntax). Reserve it for what a browser or scraper must reach without
// one; the daemons' APIs go through HandleAuth.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.add(Route{Pattern: pattern}, h)
}

// Routes is an API to mount: a handler and the patterns it serves.
// *Mux is one.
type Routes interface {
	http.Handler
	Patterns() []string
}

// HandleAuth adds every pattern of r behind the bearer tokens, audited.
func (s *Server) HandleAuth(r Routes) {
	h := RequireToken(s.cfg.Tokens, s.cfg.Logger, r)
	for _, p := range r.Patterns() {
		s.add(Route{Pattern: p, Auth: true}, h)
	}
}

func (s *Server) add(r Route, h http.Handler) {
	s.mux.Handle(r.Pattern, h)
	s.mu.Lock()
	s.routes = append(s.routes, r)
	s.mu.Unlock()
}

// Routes lists the routes served, sorted by path.
func (s *Server) Routes() []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.routes)
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(routePath(a.Pattern), routePath(b.Pattern)) })
	return out
}

// routePath is a pattern's path, without its method.
func routePath(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return p
	}
	return pattern
}

// Mux is an http.ServeMux that remembers its patterns, so that what a
// component serves can be mounted pattern by pattern and walked by tests.
type Mux struct {
	mux      http.ServeMux
	patterns []string
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{} }

// Handle registers h for pattern (net/http ServeMux syntax).
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers f for pattern.
func (m *Mux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// Patterns returns the registered patterns in registration order.
func (m *Mux) Patterns() []string { return slices.Clone(m.patterns) }

// ServeHTTP dispatches to the matching handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// Serve serves on ln until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops the server, waiting for active requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
