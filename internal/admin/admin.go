// Package admin is the admin listener shared by vodedge's daemons: it
// serves /metrics from the daemon's own Prometheus registry, /healthz
// (the process is alive), /readyz (the daemon is ready for traffic),
// Go's /debug/pprof profiles, and the routes each daemon adds. It never shares a listener with public
// traffic.
//
// It uses net/http rather than fasthttp: admin traffic is light, and
// promhttp and the standard middleware fit it as they are.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
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
}

// Server is the admin HTTP server.
type Server struct {
	mux *http.ServeMux
	srv *http.Server
}

// New builds the admin server with /metrics, /healthz and /readyz.
func New(cfg Config) *Server {
	mux := http.NewServeMux()
	s := &Server{mux: mux, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}}
	if cfg.Logger != nil {
		s.srv.ErrorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ok, detail := true, "ready"
		if cfg.Ready != nil {
			ok, detail = cfg.Ready()
		}
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(detail + "\n"))
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return s
}

// Handle adds a route (net/http ServeMux pattern syntax).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

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
