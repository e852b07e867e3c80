package edge

import (
	"context"
	"net"

	"github.com/vodedge/vodedge/internal/daemon"
)

// Addrs are the addresses a node listens on, with the ports chosen for
// those configured as port 0. Empty when the node has no such listener;
// Gossip is known once the node is ready (Run binds it when it joins).
type Addrs struct {
	Public, TLS, Admin, Peer, Gossip string
}

// listen binds the public, TLS and admin addresses.
func (n *Node) listen(Deps) error {
	ls, err := daemon.Listen(daemon.Addrs{Public: n.cfg.Listen, TLS: n.cfg.TLSListen, Admin: n.cfg.Admin})
	if err != nil {
		return err
	}
	n.ls = ls
	n.onClose(ls.Close)
	return nil
}

// serve starts serving the public, TLS and admin listeners; a listener's
// failure is sent to errc.
func (n *Node) serve(errc chan<- error) {
	go func() { errc <- n.srv.Serve(n.ls.Public) }()
	if n.ls.TLS != nil {
		go func() { errc <- n.srv.ServeTLS(n.ls.TLS, n.certs.TLSConfig()) }()
	}
	go func() { errc <- n.admin.Serve(n.ls.Admin) }()
}

// shutdown stops serving: the node leaves its site first (the others
// stop asking it at once), then responses in flight get the shutdown
// timeout to finish, then everything New opened is closed.
func (n *Node) shutdown() {
	n.site.stop()
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.shutdownTimeout())
	defer cancel()
	if err := n.srv.Shutdown(ctx); err != nil {
		n.log.Warn("shutdown deadline passed with responses in flight", "err", err)
	}
	_ = n.admin.Shutdown(ctx)
	n.release()
	n.log.Info("edge stopped")
}

// Addrs returns the addresses the node listens on.
func (n *Node) Addrs() Addrs {
	b := n.ls.Bound()
	a := Addrs{Public: b.Public, TLS: b.TLS, Admin: b.Admin}
	if n.site != nil {
		a.Peer, a.Gossip = n.site.ln.Addr().String(), n.site.cl.GossipAddr()
	}
	return a
}

// bound is the configured address with the port the listener got, so a
// host left for the cluster to fill (":port") stays as configured.
func bound(configured string, ln net.Listener) string {
	if ln == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(configured)
	_, port, err2 := net.SplitHostPort(ln.Addr().String())
	if err != nil || err2 != nil {
		return configured
	}
	return net.JoinHostPort(host, port)
}

// port is a bound listener's port, 0 when there is none.
func port(ln net.Listener) uint16 {
	if ln == nil {
		return 0
	}
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		return uint16(a.Port)
	}
	return 0
}
