package controller

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// ErrStopped is returned by Run on a daemon that was shut down or
// already ran: a Daemon runs once.
var ErrStopped = errors.New("controller: daemon stopped")

// adminShutdown is how long the admin listener's requests (a scrape, a
// page) may take at shutdown; it stops before the controller.
const adminShutdown = time.Second

// AdminRoutes mounts a caller's routes on the daemon's admin listener,
// given the base URL that reaches the daemon's own API from this host.
// `vodedge origin` mounts its web pages (internal/webui) this way: they
// read the catalog through the API's client (origin/controller/client),
// which imports this package, so the pages cannot be built here.
type AdminRoutes func(ad *admin.Server, apiURL string) error

// DaemonDeps are a daemon's collaborators from outside its
// configuration.
type DaemonDeps struct {
	// Deps are the controller's; its Registerer defaults to Registry.
	Deps
	// Registry is what the admin listener's /metrics serves; nil is a
	// new registry with the Go and process collectors.
	Registry *prometheus.Registry
	// AdminRoutes, when set, adds routes to the admin listener.
	AdminRoutes AdminRoutes
}

// Daemon is the origin controller with its listeners: the API (plain
// and HTTPS) and the admin listener. NewDaemon opens the controller and
// binds the listeners; Run serves until its context ends, Shutdown is
// called, or a listener fails.
type Daemon struct {
	cfg   DaemonConfig
	log   *slog.Logger
	reg   *prometheus.Registry
	life  *daemon.Lifecycle
	ls    daemon.Listeners
	certs *tlsreload.Reloader // nil without TLS
	srv   *Server
	admin *admin.Server
}

// Addrs are the addresses a daemon listens on, with the ports chosen for
// those configured as port 0; TLS is empty without HTTPS.
type Addrs struct{ Public, TLS, Admin string }

// NewDaemon binds the listeners, reads the certificate, opens the
// controller (New: its state, store and pipeline, which starts working)
// and builds the admin listener. ctx bounds start-up only. On error
// everything opened is closed again; an error traced to a field of cfg
// is a daemon.FieldError naming it ("Listen", "TLSListen", "Admin",
// "TLS").
func NewDaemon(ctx context.Context, cfg DaemonConfig, deps DaemonDeps) (*Daemon, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: deps.Logger, reg: deps.Registry, life: daemon.NewLifecycle()}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.reg == nil {
		d.reg = daemon.NewRegistry()
	}
	if deps.Registerer == nil {
		deps.Registerer = d.reg
	}
	deps.Logger = d.log
	for _, step := range []func(context.Context, DaemonDeps) error{d.listen, d.openTLS, d.openController, d.openAdmin} {
		if err := step(ctx, deps); err != nil {
			d.life.Release()
			return nil, err
		}
	}
	return d, nil
}

// Run serves the API and the admin listener until ctx ends or Shutdown
// is called (nil), or a listener fails (its error); then it stops: the
// admin listener first (no scrape of a closing state), then the
// controller (requests and pipeline steps get ShutdownTimeout, then its
// state is closed).
func (d *Daemon) Run(ctx context.Context) error {
	if !d.life.Begin() {
		return ErrStopped
	}
	defer d.life.End()
	errc := make(chan error, 3)
	d.serve(errc)
	d.life.SetStarted()
	d.log.Info("origin controller ready", d.ls.Describe()...)
	err := daemon.Wait(ctx, d.life.Stopping(), errc, d.log)
	if err == nil {
		d.log.Info("origin controller shutting down", "deadline", d.cfg.ShutdownTimeout)
	}
	d.shutdown()
	return err
}

// serve starts serving the API (plain and TLS) and the admin listener;
// a listener's failure is sent to errc.
func (d *Daemon) serve(errc chan<- error) {
	go func() { errc <- d.srv.Serve(d.ls.Public) }()
	if d.ls.TLS != nil {
		go func() { errc <- d.srv.Serve(tls.NewListener(d.ls.TLS, d.certs.TLSConfig())) }()
	}
	go func() { errc <- d.admin.Serve(d.ls.Admin) }()
}

// shutdown stops the admin listener, then releases what NewDaemon
// opened: the controller first, then the listeners.
func (d *Daemon) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), adminShutdown)
	_ = d.admin.Shutdown(ctx)
	cancel()
	d.life.Release()
	d.log.Info("origin controller stopped")
}

// Shutdown stops a running daemon as Run does and waits until it has,
// or until ctx ends. A daemon that never ran is closed at once.
func (d *Daemon) Shutdown(ctx context.Context) error { return d.life.Shutdown(ctx) }

// Ready reports whether the controller takes work (what /readyz
// answers) and a detail line; not before Run serves.
func (d *Daemon) Ready() (bool, string) {
	if !d.life.Started() {
		return false, "starting"
	}
	return d.srv.Status()
}

// ReloadTLS reads the certificate files again (SIGHUP); connections in
// progress keep theirs. Without TLS it does nothing.
func (d *Daemon) ReloadTLS() error {
	if d.certs == nil {
		return nil
	}
	return d.certs.Reload()
}

// Addrs returns the addresses the daemon listens on.
func (d *Daemon) Addrs() Addrs {
	b := d.ls.Bound()
	return Addrs{Public: b.Public, TLS: b.TLS, Admin: b.Admin}
}

// Controller is the controller the daemon serves (Import, RunTiering).
func (d *Daemon) Controller() *Server { return d.srv }

// Registry is the registry the daemon's metrics are in.
func (d *Daemon) Registry() *prometheus.Registry { return d.reg }
