package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/steering/cluster"
)

// demoEdge is one of the demo's edges, run in-process through the Go
// API an operator's `vodedge edge` uses (cache/edge), with its own
// registry, ports and directory.
type demoEdge struct {
	name, host                  string
	listen, admin, peer, gossip string
	cfg                         edge.Config
	log                         *slog.Logger

	mu     sync.Mutex // protects cancel and done
	cancel context.CancelFunc
	done   chan error // receives Run's result; nil when stopped
}

func newDemoEdge(i int, host string) (*demoEdge, error) {
	e := &demoEdge{name: fmt.Sprintf("edge-%d", i), host: host}
	for _, p := range []*string{&e.listen, &e.admin, &e.peer} {
		a, err := demoFreeAddr(host)
		if err != nil {
			return nil, err
		}
		*p = a
	}
	var err error
	e.gossip, err = freeUDPAndTCP(host)
	return e, err
}

// configure sets the edge's configuration: a site member with a disk
// tier, the controller as origin, fill always open, signed URLs checked.
func (e *demoEdge) configure(dir string, f *demoFiles, controller string, join string, g *globalOpts) error {
	home := filepath.Join(dir, e.name)
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	e.log = log
	cfg := edge.DefaultConfig()
	cfg.Listen, cfg.Admin, cfg.Origin, cfg.Version = e.listen, e.admin, "http://"+controller, version
	cfg.Cache.NodeName, cfg.Cache.Site, cfg.Cache.RAMBytes, cfg.Cache.ShutdownTimeout = e.name, demoSite, 64<<20, 300*time.Millisecond
	disk := disktier.DefaultConfig(filepath.Join(home, "cache"), 1<<30)
	cfg.Disk, cfg.AccessLog = &disk, filepath.Join(home, "access.log")
	if err := f.edgeSecrets(&cfg); err != nil {
		return err
	}
	cfg.Cluster = edge.DefaultCluster()
	m := &cfg.Cluster.Membership
	m.Join, m.GossipAddr, m.AdvertiseHost, m.Meta.CapacityBps = []string{join}, e.gossip, e.host, 1e9
	m.Key, err = cluster.LoadKey(f.clusterKey)
	if err != nil {
		return err
	}
	cfg.Cluster.PeerListen = e.peer
	a := &cfg.Fill.Agent
	a.ManifestURL, a.PollEvery = "http://"+controller+"/v1/manifests/"+demoSite, 2*time.Second
	a.Window, _ = fill.ParseWindow("00:00-00:00", time.UTC)
	// Three edges on one host share one origin link that costs nothing:
	// a node waits for a fill master a few seconds, not the two minutes a
	// site on a real origin link should, so a file whose master is slow
	// to hold it (busy, or seeing the cluster differently for a moment)
	// does not hold the demo's start back.
	a.MasterWait = 10 * time.Second
	e.cfg = cfg
	return os.MkdirAll(home, 0o755)
}

// start runs the edge until stop or ctx ends.
func (e *demoEdge) start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done != nil {
		return fmt.Errorf("%s is running", e.name)
	}
	node, err := edge.New(e.cfg, edge.Deps{Logger: e.log})
	if err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- node.Run(cctx) }()
	e.cancel, e.done = cancel, done
	return nil
}

// stop ends the edge abruptly: listeners close, responses in flight are
// cut after 300 ms, the node leaves its site's gossip. It returns Run's
// error, if it failed.
func (e *demoEdge) stop() error {
	e.mu.Lock()
	cancel, done := e.cancel, e.done
	e.cancel, e.done = nil, nil
	e.mu.Unlock()
	if done == nil {
		return fmt.Errorf("%s is not running", e.name)
	}
	cancel()
	return <-done
}

// exited returns the command's result if it ended by itself.
func (e *demoEdge) exited() (error, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done == nil {
		return nil, false
	}
	select {
	case err := <-e.done:
		e.done <- err
		return err, true
	default:
		return nil, false
	}
}

// waitReady polls the edge's /readyz.
func (e *demoEdge) waitReady(ctx context.Context) error {
	return waitHTTP(ctx, "http://"+e.admin+"/readyz", func() error {
		if err, ok := e.exited(); ok {
			return fmt.Errorf("%s exited: %v", e.name, err)
		}
		return nil
	})
}

// waitHTTP polls url until it answers 200, alive reports an error, or
// ctx ends.
func waitHTTP(ctx context.Context, url string, alive func() error) error {
	c := &http.Client{Timeout: time.Second}
	for {
		if err := alive(); err != nil {
			return err
		}
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never became ready: %w", url, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// demoNodes is the status page's stop and start buttons over the edges.
type demoNodes struct {
	ctx   context.Context // the demo's: a restarted edge lives until it ends
	edges []*demoEdge
}

var errNoNode = errors.New("demo: no such node")

func (d *demoNodes) find(name string) (*demoEdge, error) {
	for _, e := range d.edges {
		if e.name == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", errNoNode, name)
}

// StopNode stops an edge as if it had crashed.
func (d *demoNodes) StopNode(name string) error {
	e, err := d.find(name)
	if err != nil {
		return err
	}
	if err := e.stop(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// StartNode starts a stopped edge again on its ports and directory.
func (d *demoNodes) StartNode(name string) error {
	e, err := d.find(name)
	if err != nil {
		return err
	}
	if err := e.start(d.ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(d.ctx, 20*time.Second)
	defer cancel()
	return e.waitReady(ctx)
}
