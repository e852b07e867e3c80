package edge

import (
	"context"
	"io"
	"os"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/origin"
)

// openOrigin opens Config.Origin, unless Deps.Origin replaces it.
func (n *Node) openOrigin(deps Deps) error {
	if deps.Origin != nil {
		n.org, n.raw = deps.Origin, deps.Origin
		return nil
	}
	opts := n.cfg.OriginOptions
	if opts.UserAgent == "" {
		opts.UserAgent = "vodedge/" + n.cfg.Version
	}
	if err := n.openRestorer(&opts.S3.Archived); err != nil {
		return err
	}
	org, err := origin.Open(context.Background(), n.cfg.Origin, opts)
	if err != nil {
		return daemon.Field("Origin", err)
	}
	n.onClose(func() { org.Close() })
	n.org, n.raw = org, org
	return nil
}

// openTLS reads the certificate when the node serves HTTPS.
func (n *Node) openTLS(Deps) error {
	if n.cfg.TLSListen == "" {
		return nil
	}
	r, err := tlsreload.New(tlsreload.Config{CertFile: n.cfg.TLS.CertFile, KeyFile: n.cfg.TLS.KeyFile},
		tlsreload.Deps{Logger: n.log, Registerer: n.reg})
	if err != nil {
		return daemon.Field("TLS", err)
	}
	n.certs = r
	return nil
}

// openDisk opens the disk tier, when there is one.
func (n *Node) openDisk(deps Deps) error {
	if n.cfg.Disk == nil {
		return nil
	}
	s, err := disktier.Open(*n.cfg.Disk, disktier.Deps{Logger: n.log, Registerer: n.reg, PerDisk: deps.PerDisk})
	if err != nil {
		return daemon.Field("Disk", err)
	}
	n.onClose(func() { s.Close() })
	n.disk = s
	return nil
}

// openServer builds the serving path over the origin (through the
// site's peers when in a cluster), the tiers, the access log and the
// signed-URL check.
func (n *Node) openServer(Deps) error {
	verifier, err := n.verifier()
	if err != nil {
		return err
	}
	deps := cache.Deps{Origin: n.org, Logger: n.log, Registerer: n.reg, Disk: n.disk, URLs: verifier}
	if fw, ok := n.raw.(cache.Forwarder); ok {
		deps.Forwarder = fw
	}
	alog, err := n.openAccessLog()
	if err != nil {
		return err
	}
	if alog != nil {
		deps.AccessLog, deps.AccessLogDropped = alog, alog.Dropped
	}
	if n.srv, err = cache.New(n.cfg.Cache, deps); err != nil {
		return err
	}
	n.onClose(func() { _ = n.srv.Shutdown(context.Background()) }) // at once when Run never served; Run shuts it down first
	return nil
}

// verifier checks signed URLs; without keys, or with checking off, it
// strips steering's path tokens unchecked so steered URLs resolve.
func (n *Node) verifier() (*urlsign.Verifier, error) {
	u := n.cfg.URLs
	return urlsign.NewVerifier(u.Keys, urlsign.VerifierConfig{Disabled: len(u.Keys) == 0 || !u.Verify})
}

// openAccessLog opens Config.AccessLog; nil when it is off.
func (n *Node) openAccessLog() (*accesslog.Logger, error) {
	var w io.Writer
	switch dest := n.cfg.AccessLog; dest {
	case "", "off":
		return nil, nil
	case "-":
		w = os.Stdout
	default:
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, daemon.Field("AccessLog", err)
		}
		n.onClose(func() { f.Close() })
		w = f
	}
	l := accesslog.New(w, accesslog.Config{Node: n.cfg.Cache.NodeName, Site: n.cfg.Cache.Site})
	n.onClose(l.Close)
	return l, nil
}

// openAdmin builds the admin listener's routes: metrics and health, and
// the edge's, the cluster's and the fill agent's admin API behind the
// admin tokens.
func (n *Node) openAdmin(Deps) error {
	n.admin = admin.New(admin.Config{Gatherer: n.reg, Logger: n.log, Ready: n.Ready, Tokens: n.cfg.AdminTokens})
	n.admin.HandleAuth(n.srv.AdminRoutes())
	n.site.mount(n.admin)
	if n.agent != nil {
		n.admin.HandleAuth(n.agent.Routes())
	}
	return nil
}
