package edge

import (
	"log/slog"
	"net"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/steering/cluster"
)

// siteMember is a node's membership of its site and its peer data plane:
// the gossip cluster, the peer listener, and the origin that asks the
// key's owners before the real origin. Its methods are no-ops on nil (a
// node outside a cluster).
type siteMember struct {
	cl      *cluster.Cluster
	peer    *peer.Origin
	auth    peer.Auth
	ln      net.Listener // the peer listener
	log     *slog.Logger
	version string
	// grantOK accepts a child site's grant (tiered fill); nil: none.
	grantOK func(authorization []byte) bool
}

// openCluster binds the peer listener and builds the cluster (joined by
// Run); misses then go through the site's peers.
func (n *Node) openCluster(Deps) error {
	c := n.cfg.Cluster
	if c == nil {
		return nil
	}
	ln, err := net.Listen("tcp", c.PeerListen)
	if err != nil {
		return daemon.Field("Cluster.PeerListen", err)
	}
	n.onClose(func() { ln.Close() })
	cl, err := cluster.New(n.membership(ln), cluster.Deps{Logger: n.log, Registerer: n.reg})
	if err != nil {
		return err
	}
	pc := c.Peer
	pc.Auth = peer.NewAuth(c.Membership.Key)
	if pc.UserAgent == "" || pc.UserAgent == peer.DefaultConfig().UserAgent {
		pc.UserAgent = "vodedge/" + n.cfg.Version
	}
	po, err := peer.New(n.org, clusterRouter{cl}, pc, peer.Deps{Logger: n.log, Registerer: n.reg})
	if err != nil {
		return err
	}
	n.site = &siteMember{cl: cl, peer: po, auth: pc.Auth, ln: ln, log: n.log, version: n.cfg.Version, grantOK: n.grantCheck()}
	n.org = po
	return nil
}

// membership completes the cluster configuration with what the node
// knows: its name and site, the addresses it listens on, its version.
func (n *Node) membership(peerLn net.Listener) cluster.Config {
	mc := n.cfg.Cluster.Membership
	if mc.Name == "" {
		mc.Name = n.cfg.Cache.NodeName
	}
	m := &mc.Meta
	m.Site, m.Version = n.cfg.Cache.Site, n.cfg.Version
	m.HTTPAddr, m.AdminAddr = bound(n.cfg.Listen, n.ls.Public), bound(n.cfg.Admin, n.ls.Admin)
	m.PeerAddr, m.TLSPort = bound(n.cfg.Cluster.PeerListen, peerLn), port(n.ls.TLS)
	return mc
}

// start serves the peer listener, then joins the site. A failure of the
// peer listener later is sent to errc.
func (m *siteMember) start(srv *cache.Server, errc chan<- error) error {
	if m == nil {
		return nil
	}
	go func() {
		errc <- srv.ServePeer(m.ln, cache.PeerConfig{
			Authorized: m.authorized,
			Owns:       m.cl.Owns,
		})
	}()
	if err := m.cl.Start(serverLoad{srv}); err != nil {
		return err
	}
	m.log.Info("cluster ready", "peer_listen", m.ln.Addr().String(), "gossip", m.cl.GossipAddr())
	return nil
}

// authorized accepts the site's cluster credential, or a child site's
// grant (tiered fill).
func (m *siteMember) authorized(ctx *fasthttp.RequestCtx) bool {
	h := ctx.Request.Header.Peek("Authorization")
	return m.auth.Check(h) || m.grantOK != nil && m.grantOK(h)
}

// stop leaves the site (the others stop asking this node at once) and
// closes idle peer connections. The peer listener stops with the server.
func (m *siteMember) stop() {
	if m == nil {
		return
	}
	m.cl.Shutdown()
	m.peer.Close()
}

// mount adds the cluster's admin routes behind the admin tokens.
func (m *siteMember) mount(ad *admin.Server) {
	if m != nil {
		ad.HandleAuth(m.cl.AdminRoutes())
	}
}

// clusterRouter routes peer requests by the site's placement.
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

// serverLoad is what the cluster samples from the serving path: egress,
// and whether the disk tier is degraded: none of its disks in service
// stores new objects (one failed disk of several is not).
type serverLoad struct{ srv *cache.Server }

func (s serverLoad) BytesSent() uint64 { return s.srv.BytesSent() }

func (s serverLoad) Degraded() bool {
	return !s.srv.DiskAdmitting()
}
