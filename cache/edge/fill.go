package edge

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/steering/cluster"
)

// openFill builds the fill agent over the disk tier: its sources are the
// site's nodes (when in a cluster), then the origin itself.
func (n *Node) openFill(Deps) error {
	if n.cfg.Fill == nil {
		return nil
	}
	deps := fill.Deps{
		Store: FillStore(n.disk), Origin: n.raw, Logger: n.log, Registerer: n.reg,
		HTTP: controllerClient(n.cfg.Fill.Token), Describe: n.describe,
	}
	if n.site != nil {
		deps.Peer, deps.SiteNodes = n.site.fillPeers(), n.site.siteNodes
	}
	ps := &parentSources{log: n.log, version: n.cfg.Version}
	n.onClose(ps.close)
	deps.Parent = ps.source
	a, err := fill.New(n.fillConfig(), deps)
	n.agent = a
	return err
}

// fillConfig completes the agent's configuration with what the node
// knows: its name, site and slice size, a state directory beside the
// first disk's store, and the progress report URL next to the manifest's.
func (n *Node) fillConfig() fill.Config {
	cfg := n.cfg.Fill.Agent
	if cfg.Node == "" {
		cfg.Node = n.cfg.Cache.NodeName
	}
	if cfg.Site == "" {
		cfg.Site = n.cfg.Cache.Site
	}
	cfg.SliceBytes = n.cfg.Cache.SliceBytes // files are stored as the edge's slices
	if cfg.StateDir == "" {
		cfg.StateDir = filepath.Join(n.cfg.Disk.DiskList()[0].Path, "fill")
	}
	if i := strings.Index(cfg.ManifestURL, "/v1/manifests/"); cfg.ReportURL == "" && i >= 0 {
		cfg.ReportURL = cfg.ManifestURL[:i] + "/v1/fill/reports/" + cfg.Node
	}
	return cfg
}

// describe is the node's heartbeat to the controller's registry (the
// agent adds name and site): its capacity is that of the disks serving
// (a degraded disk admits nothing new, a failed one holds nothing), its
// weight and peer address those it publishes to its site. A node with
// no disk serving has no capacity to offer: its heartbeats fail their
// validation (counted as failed), so the controller stops planning it
// after its grace, and plans it again when a disk is back.
func (n *Node) describe() heartbeat.Report {
	rep := heartbeat.Report{Version: n.cfg.Version}
	for _, d := range n.disk.Disks() {
		rep.Disks = append(rep.Disks, heartbeat.Disk{Name: d.Name, State: d.State, Bytes: d.Bytes, CapacityBytes: d.CapacityBytes})
		if d.State == "serving" {
			rep.CapacityBytes += d.CapacityBytes
		}
	}
	if n.site != nil {
		local := n.site.cl.Local()
		rep.Weight, rep.PeerAddr = local.Weight, local.PeerAddr
	}
	return rep
}

// runFill runs the agent, if any, until the returned stop is called.
func (n *Node) runFill() (stop func()) {
	if n.agent == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = n.agent.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// controllerClient is the HTTP client for the controller's API, carrying
// its bearer token when there is one.
func controllerClient(token string) *http.Client {
	c := &http.Client{Timeout: time.Minute}
	if token != "" {
		c.Transport = bearer{token: token, rt: http.DefaultTransport}
	}
	return c
}

type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// siteNodes returns the usable nodes of this node's site for choosing
// fill masters.
func (m *siteMember) siteNodes() []placement.Node {
	site := m.cl.Local().Site
	var out []placement.Node
	for _, mb := range m.cl.Members() {
		if mb.Site == site && mb.Liveness == cluster.Alive && mb.MetaErr == nil && (mb.State == cluster.StateOK || mb.State == cluster.StateDegraded) {
			out = append(out, placement.Node{Name: mb.Name, Weight: mb.Weight})
		}
	}
	return out
}

// fillPeers returns a source per site node that reads only from that
// node's peer listener (a miss there is an error, never the origin).
func (m *siteMember) fillPeers() func(string) (fill.Source, bool) {
	var mu sync.Mutex // protects sources
	sources := map[string]*peer.Origin{}
	return func(name string) (fill.Source, bool) {
		addr := m.peerAddr(name)
		if addr == "" {
			return nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if p := sources[name+"@"+addr]; p != nil {
			return p, true
		}
		cfg := peer.DefaultConfig()
		cfg.Auth, cfg.UserAgent = m.auth, "vodedge-fill/"+m.version
		p, err := peer.New(noOrigin{}, onePeer{peer.Peer{Name: name, Addr: addr}}, cfg, peer.Deps{Logger: m.log})
		if err != nil {
			return nil, false
		}
		sources[name+"@"+addr] = p
		return p, true
	}
}

// peerAddr is the peer listener of a live member, "" when there is none.
func (m *siteMember) peerAddr(name string) string {
	addr := ""
	for _, mb := range m.cl.Members() {
		if mb.Name == name && mb.Liveness == cluster.Alive && mb.PeerAddr != "" {
			addr = mb.PeerAddr
		}
	}
	return addr
}

// onePeer routes every key to one peer.
type onePeer struct{ p peer.Peer }

func (o onePeer) Route(string) []peer.Peer { return []peer.Peer{o.p} }
func (o onePeer) PeerFailed(string)        {}

// noOrigin ends a peer source's fallback: fill chooses the next source.
type noOrigin struct{}

func (noOrigin) Fetch(context.Context, origin.Request) (*origin.Object, error) {
	return nil, errors.New("fill: the peer does not hold the file")
}

var _ fill.Source = (*peer.Origin)(nil)
