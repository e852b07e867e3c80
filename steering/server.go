package steering

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/connlimit"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// ErrStopped is returned by Run on a server that was shut down or
// already ran: a Server runs once.
var ErrStopped = errors.New("steering: server stopped")

// ServerDeps are a server's collaborators from outside its
// configuration.
type ServerDeps struct {
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Registry receives every metric of the server and is what its
	// /metrics serves; nil is a new registry with the Go and process
	// collectors.
	Registry *prometheus.Registry
	// Now is the service's clock; nil is time.Now.
	Now func() time.Time
}

// Server is the steering daemon assembled from its configuration: the
// service (engine, gossip watchers, prefix sources, decision log) behind
// the public HTTP and HTTPS listeners, and the admin listener. NewServer
// builds it and binds its listeners; Run serves until its context ends,
// Shutdown is called, or a listener fails.
type Server struct {
	cfg   ServerConfig
	log   *slog.Logger
	reg   *prometheus.Registry
	life  *daemon.Lifecycle
	svc   *Service
	certs *tlsreload.Reloader // nil without TLS
	ls    daemon.Listeners
	lim   *connlimit.Limiter // counts the public listeners' connections
	http  *fasthttp.Server   // the public listeners' server
	admin *admin.Server
}

// Addrs are the addresses a server listens on, with the ports chosen for
// those configured as port 0; TLS is empty without HTTPS.
type Addrs struct{ Public, TLS, Admin string }

// NewServer assembles a server from cfg and binds its listeners. Nothing
// is served, and no site's gossip joined, until Run. On error everything
// opened is closed again; an error traced to a field of cfg is a
// daemon.FieldError naming it ("Listen", "TLSListen", "Admin", "TLS",
// "DecisionLog").
func NewServer(cfg ServerConfig, deps ServerDeps) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: deps.Logger, reg: deps.Registry, life: daemon.NewLifecycle()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.reg == nil {
		s.reg = daemon.NewRegistry()
	}
	for _, step := range []func(ServerDeps) error{s.openDecisionLog, s.openTLS, s.openService, s.listen, s.openHTTP, s.openAdmin} {
		if err := step(deps); err != nil {
			s.life.Release()
			return nil, err
		}
	}
	return s, nil
}

// Run joins the sites' gossip, starts the BGP speaker and the manifest
// polls, and serves until ctx ends or Shutdown is called (nil), or a
// listener fails (its error); then it stops gracefully: the public and
// admin listeners stop taking requests, requests in flight get
// ShutdownTimeout, the service leaves the sites' gossip and flushes the
// decision log, and everything is closed.
func (s *Server) Run(ctx context.Context) error {
	if !s.life.Begin() {
		return ErrStopped
	}
	defer s.life.End()
	err := s.svc.Start(ctx)
	if err == nil {
		errc := make(chan error, 3)
		s.serve(errc)
		s.life.SetStarted()
		s.log.Info("steering ready", s.ls.Describe()...)
		err = s.wait(ctx, errc)
	}
	s.shutdown()
	return err
}

// wait blocks until the server is told to stop (nil) or a listener fails.
func (s *Server) wait(ctx context.Context, errc <-chan error) error {
	if err := daemon.Wait(ctx, s.life.Stopping(), errc, s.log); err != nil {
		return err
	}
	s.log.Info("steering shutting down", "deadline", s.cfg.ShutdownTimeout)
	return nil
}

// Shutdown stops a running server as Run does and waits until it has,
// or until ctx ends. A server that never ran is closed at once.
func (s *Server) Shutdown(ctx context.Context) error { return s.life.Shutdown(ctx) }

// Ready reports whether steering can send players somewhere (what
// /readyz answers) and a detail line. It is not ready until Run has
// started every part.
func (s *Server) Ready() (bool, string) {
	if !s.life.Started() {
		return false, "starting"
	}
	return s.svc.Ready()
}

// Reload reads the static prefix files and the TLS certificate again
// (SIGHUP). What fails to load is logged and the old one stays.
func (s *Server) Reload() error {
	err := s.svc.Reload()
	if err != nil {
		s.log.Error("reloading the prefix files failed; keeping the old ones", "err", err)
	}
	if s.certs != nil {
		err = errors.Join(err, s.certs.Reload()) // logged by the reloader
	}
	return err
}

// Addrs returns the addresses the server listens on.
func (s *Server) Addrs() Addrs {
	b := s.ls.Bound()
	return Addrs{Public: b.Public, TLS: b.TLS, Admin: b.Admin}
}

// Service is the service the server runs (its engine, sites and table).
func (s *Server) Service() *Service { return s.svc }

// Registry is the registry the server's metrics are in.
func (s *Server) Registry() *prometheus.Registry { return s.reg }
