package edge

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/logship"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// ErrStopped is returned by Run on a node that was shut down or already
// ran: a Node runs once.
var ErrStopped = errors.New("edge: node stopped")

// Deps are a node's collaborators from outside its configuration.
type Deps struct {
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Registry receives every metric of the node and is what its
	// /metrics serves; nil is a new registry with the Go and process
	// collectors.
	Registry *prometheus.Registry
	// Origin, when set, replaces Config.Origin (a test's origin, or one
	// the caller shares); the caller owns it and closes it.
	Origin cache.Origin
	// PerDisk, when set, replaces the filesystems of the disk tier's
	// disks (tests inject faults through it); see disktier.Deps.
	PerDisk func(path string) disktier.DiskDeps
}

// Node is an edge node assembled from its configuration: the public,
// TLS and admin listeners, the serving path with its tiers, and, when
// configured, the site cluster with its peer listener and the fill agent.
// New builds it and binds its listeners; Run serves until its context
// ends or Shutdown is called.
type Node struct {
	cfg   Config
	log   *slog.Logger
	reg   *prometheus.Registry
	ls    daemon.Listeners
	org   cache.Origin // the origin misses go to (through the site's peers when in a cluster)
	raw   cache.Origin // the origin itself: fill's last source
	certs *tlsreload.Reloader
	disk  *disktier.Store
	srv   *cache.Server
	site  *siteMember      // nil outside a cluster
	agent *fill.Agent      // nil without fill
	ship  *logship.Shipper // nil when the access log is not shipped
	admin *admin.Server

	life *daemon.Lifecycle // New's release steps, the run-once state, readiness
}

// New assembles a node from cfg and binds its listeners. Nothing is
// served until Run. On error everything opened is closed again.
func New(cfg Config, deps Deps) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: deps.Logger, reg: deps.Registry, life: daemon.NewLifecycle()}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.reg == nil {
		n.reg = daemon.NewRegistry()
	}
	steps := []func(Deps) error{
		n.openOrigin, n.openTLS, n.openDisk, n.listen, n.openCluster, n.openServer, n.openFill, n.openReport, n.openAdmin,
	}
	for _, step := range steps {
		if err := step(deps); err != nil {
			n.release()
			return nil, err
		}
	}
	return n, nil
}

// onClose registers a release step for what New opened.
func (n *Node) onClose(f func()) { n.life.OnClose(f) }

// release closes what New opened, in reverse order.
func (n *Node) release() { n.life.Release() }

// Run serves until ctx ends, Shutdown is called, or a listener fails
// (its error), then stops gracefully: the fill agent stops, the node
// leaves its site, responses in flight get Cache.ShutdownTimeout to
// finish, and everything is closed.
func (n *Node) Run(ctx context.Context) error {
	if !n.life.Begin() {
		return ErrStopped
	}
	defer n.life.End()
	errc := make(chan error, 4)
	n.serve(errc)
	err := n.site.start(n.srv, errc)
	stopFill, stopReport := n.runFill(), n.runReport()
	if err == nil {
		n.life.SetStarted()
		n.log.Info("edge ready", n.ls.Describe()...)
		err = n.wait(ctx, errc)
	}
	stopFill()
	n.shutdown()
	stopReport() // after the access log's last records are written
	return err
}

// wait blocks until the node is told to stop (nil) or a listener fails.
func (n *Node) wait(ctx context.Context, errc <-chan error) error {
	if err := daemon.Wait(ctx, n.life.Stopping(), errc, n.log); err != nil {
		return err
	}
	n.log.Info("edge shutting down", "deadline", n.cfg.shutdownTimeout())
	return nil
}

// Shutdown stops a running node as Run does and waits until it has, or
// until ctx ends. A node that never ran is closed at once.
func (n *Node) Shutdown(ctx context.Context) error { return n.life.Shutdown(ctx) }

// Ready reports whether the node serves (what /readyz answers) and a
// detail line. A node is not ready until Run has started every part: the
// listeners serve, the node has joined its site (Addrs then has the
// gossip address) and the fill agent runs.
func (n *Node) Ready() (bool, string) {
	if !n.life.Started() {
		return false, "starting"
	}
	return n.srv.Status()
}

// ReloadTLS reads the certificate files again (SIGHUP); connections in
// progress keep theirs. Without TLS it does nothing.
func (n *Node) ReloadTLS() error {
	if n.certs == nil {
		return nil
	}
	return n.certs.Reload()
}

// Registry is the registry the node's metrics are in.
func (n *Node) Registry() *prometheus.Registry { return n.reg }
