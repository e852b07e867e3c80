package edge

import (
	"context"
	"net"
)

// listeners are the node's bound sockets; tls is nil without TLS.
type listeners struct{ pub, tls, admin net.Listener }

// Addrs are the addresses a node listens on, with the ports chosen for
// those configured as port 0. Empty when the node has no such listener;
// Gossip is known once the node is ready (Run binds it when it joins).
type Addrs struct {
	Public, TLS, Admin, Peer, Gossip string
}

// listen binds the public, TLS and admin addresses.
func (n *Node) listen(Deps) error {
	for _, l := range []struct {
		field, addr string
		ln          *net.Listener
	}{{"Listen", n.cfg.Listen, &n.ls.pub}, {"TLSListen", n.cfg.TLSListen, &n.ls.tls}, {"Admin", n.cfg.Admin, &n.ls.admin}} {
		if l.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			return fieldErr(l.field, err)
		}
		n.onClose(func() { ln.Close() })
		*l.ln = ln
	}
	return nil
}

// serve starts serving the public, TLS and admin listeners; a listener's
// failure is sent to errc.
func (n *Node) serve(errc chan<- error) {
	go func() { errc <- n.srv.Serve(n.ls.pub) }()
	if n.ls.tls != nil {
		go func() { errc <- n.srv.ServeTLS(n.ls.tls, n.certs.TLSConfig()) }()
	}
	go func() { errc <- n.admin.Serve(n.ls.admin) }()
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
	a := Addrs{Public: n.ls.pub.Addr().String(), Admin: n.ls.admin.Addr().String()}
	if n.ls.tls != nil {
		a.TLS = n.ls.tls.Addr().String()
	}
	if n.site != nil {
		a.Peer, a.Gossip = n.site.ln.Addr().String(), n.site.cl.GossipAddr()
	}
	return a
}

// describe names the addresses for the "ready" log line.
func (l listeners) describe() []any {
	attrs := []any{"listen", l.pub.Addr().String(), "admin", l.admin.Addr().String()}
	if l.tls != nil {
		attrs = append(attrs, "tls_listen", l.tls.Addr().String())
	}
	return attrs
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
