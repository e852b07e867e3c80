package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/steering/cluster"
)

// PeerOrigin stands in for the origin in a cluster.
var _ cache.Origin = (*peer.Origin)(nil)

// clusterOpts are the edge's site cluster flags. The node is in a
// cluster when it has a key (--cluster-key-file) or --cluster-insecure.
type clusterOpts struct {
	flags       *pflag.FlagSet
	keyFile     string
	insecure    bool
	join        []string
	gossip      string
	advertise   string
	peerListen  string
	weight      float64
	egress      string
	owners      int
	peerTimeout time.Duration
}

func (c *clusterOpts) bind(f *pflag.FlagSet) {
	c.flags = f
	def := cluster.DefaultConfig()
	f.StringVar(&c.keyFile, "cluster-key-file", "", "file holding the site cluster's shared key (base64 of 16, 24 or 32 bytes: head -c 32 /dev/urandom | base64); joins the node to its site cluster: gossip encrypted with it, peer requests authenticated with a token derived from it")
	f.BoolVar(&c.insecure, "cluster-insecure", false, "join a site cluster without a key: gossip in clear text and a well-known peer token; only for test labs")
	f.StringSliceVar(&c.join, "join", nil, "gossip addresses (host:port,…) of other nodes of the site; retried every 5s while none answers")
	f.StringVar(&c.gossip, "gossip-listen", def.GossipAddr, "gossip address (TCP and UDP) of the site cluster")
	f.StringVar(&c.advertise, "advertise-host", "", "IP other nodes reach this node at (default: the gossip IP, or a private IP of the host when gossip listens on every interface); also fills the host of --listen, --admin and --peer-listen given as :port")
	f.StringVar(&c.peerListen, "peer-listen", ":8081", "address of the peer listener that other nodes of the site fetch from (authenticated; never the public one)")
	f.Float64Var(&c.weight, "capacity-weight", 1, "this node's share of the site's files relative to the other nodes (e.g. 2 for a node with twice the disk)")
	f.StringVar(&c.egress, "egress-capacity", "10Gbit", "egress this node is sized for (bits/s: 10Gbit, 400Mbit); its published load is egress / capacity")
	f.IntVar(&c.owners, "owners-per-file", def.Owners, "nodes of the site that own (fetch from the origin) each file; the others ask them first")
	f.DurationVar(&c.peerTimeout, "peer-timeout", peer.DefaultConfig().Timeout, "time to connect to a peer and get its response headers before fetching from the origin instead")
}

func (c *clusterOpts) enabled() bool { return c.keyFile != "" || c.insecure }

// check refuses cluster flags without a key, and a peer listener on a
// public or admin address.
func (c *clusterOpts) check(o *edgeOpts) error {
	if !c.enabled() {
		for _, name := range []string{"join", "gossip-listen", "peer-listen", "advertise-host", "owners-per-file"} {
			if flagChanged(c.flags, name) {
				return fmt.Errorf("--%s needs --cluster-key-file (the site's shared key), or --cluster-insecure for a test lab", name)
			}
		}
		return nil
	}
	if c.keyFile != "" && c.insecure {
		return errors.New("--cluster-insecure and --cluster-key-file exclude each other")
	}
	for _, other := range []struct{ flag, addr string }{{"--listen", o.listen}, {"--admin", o.adminAddr}} {
		if c.peerListen == other.addr && !strings.HasSuffix(other.addr, ":0") {
			return fmt.Errorf("--peer-listen must differ from %s (%s): peer requests never go to that listener", other.flag, other.addr)
		}
	}
	return nil
}

// edgeCluster is a running node's cluster membership and peer fill.
type edgeCluster struct {
	cl       *cluster.Cluster
	peer     *peer.Origin
	auth     peer.Auth
	peerAddr string
	log      *slog.Logger
}

// open builds the cluster (not yet joined) and wraps org with peer fill.
// When the node is in no cluster it returns nil and org.
func (c *clusterOpts) open(o *edgeOpts, org cache.Origin, log *slog.Logger, reg prometheus.Registerer) (*edgeCluster, cache.Origin, error) {
	if err := c.check(o); err != nil || !c.enabled() {
		return nil, org, err
	}
	cfg, err := c.config(o)
	if err != nil {
		return nil, nil, err
	}
	deps := cluster.Deps{Logger: log, Registerer: reg}
	cl, err := cluster.New(cfg, deps)
	if err != nil {
		return nil, nil, err
	}
	pcfg := peer.DefaultConfig()
	pcfg.Auth, pcfg.Timeout, pcfg.UserAgent = peer.NewAuth(cfg.Key), c.peerTimeout, "vodedge/"+version
	po, err := peer.New(org, clusterRouter{cl}, pcfg, peer.Deps{Logger: log, Registerer: reg})
	if err != nil {
		return nil, nil, err
	}
	return &edgeCluster{cl: cl, peer: po, auth: pcfg.Auth, peerAddr: c.peerListen, log: log}, po, nil
}

func (c *clusterOpts) config(o *edgeOpts) (cluster.Config, error) {
	cfg := cluster.DefaultConfig()
	if c.keyFile != "" {
		key, err := cluster.LoadKey(c.keyFile)
		if err != nil {
			return cfg, fmt.Errorf("--cluster-key-file: %w", err)
		}
		cfg.Key = key
	}
	capacity, err := cluster.ParseBitRate(c.egress)
	if err != nil {
		return cfg, fmt.Errorf("--egress-capacity: %w", err)
	}
	cfg.Name, cfg.Insecure, cfg.Join, cfg.GossipAddr, cfg.AdvertiseHost = o.cfg.NodeName, c.insecure, c.join, c.gossip, c.advertise
	cfg.Owners = c.owners
	cfg.Meta = cluster.Meta{Site: o.cfg.Site, HTTPAddr: o.listen, AdminAddr: o.adminAddr, PeerAddr: c.peerListen,
		Weight: c.weight, CapacityBps: capacity, Version: version, TLSPort: o.tls.port()}
	return cfg, nil
}

// start opens the peer listener, then joins the cluster. A failure of the
// peer listener later is sent to errc.
func (e *edgeCluster) start(srv *cache.Server, errc chan<- error) error {
	if e == nil {
		return nil
	}
	ln, err := net.Listen("tcp", e.peerAddr)
	if err != nil {
		return fmt.Errorf("--peer-listen: %w", err)
	}
	go func() {
		errc <- srv.ServePeer(ln, cache.PeerConfig{
			Authorized: func(ctx *fasthttp.RequestCtx) bool { return e.auth.Check(ctx.Request.Header.Peek("Authorization")) },
			Owns:       e.cl.Owns,
		})
	}()
	if err := e.cl.Start(serverLoad{srv}); err != nil {
		return err
	}
	e.log.Info("cluster ready", "peer_listen", ln.Addr().String(), "gossip", e.cl.GossipAddr())
	return nil
}

// stop leaves the cluster (the others stop asking this node at once) and
// closes idle peer connections. The peer listener stops with the server.
func (e *edgeCluster) stop() {
	if e == nil {
		return
	}
	e.cl.Shutdown()
	e.peer.Close()
}

// mount adds the cluster's admin routes behind the admin tokens.
func (e *edgeCluster) mount(ad *admin.Server) {
	if e == nil {
		return
	}
	ad.HandleAuth(e.cl.AdminRoutes())
}

// serverLoad is what the cluster samples from the edge: egress, and
// whether the disk tier is degraded (cache.Server says so in its status).
type serverLoad struct{ srv *cache.Server }

func (s serverLoad) BytesSent() uint64 { return s.srv.BytesSent() }

func (s serverLoad) Degraded() bool {
	_, detail := s.srv.Status()
	return strings.Contains(detail, "disk tier degraded")
}

// clusterRouter routes peer requests by the site cluster's placement.
type clusterRouter struct{ cl *cluster.Cluster }

func (r clusterRouter) Route(key string) []peer.Peer {
	ps := r.cl.Route(key)
	if len(ps) == 0 {
		return nil
	}
	out := make([]peer.Peer, len(ps))
	for i, p := range ps {
		out[i] = peer.Peer(p)
	}
	return out
}

func (r clusterRouter) PeerFailed(name string) { r.cl.PeerFailed(name) }
