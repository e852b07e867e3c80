package controller

import (
	"context"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// listen binds the API, TLS and admin addresses, before the controller
// opens anything: a busy port fails the start at once.
func (d *Daemon) listen(context.Context, DaemonDeps) error {
	ls, err := daemon.Listen(daemon.Addrs{Public: d.cfg.Listen, TLS: d.cfg.TLSListen, Admin: d.cfg.Admin})
	if err != nil {
		return err
	}
	d.ls = ls
	d.life.OnClose(ls.Close)
	return nil
}

// openTLS reads the certificate when the API serves HTTPS.
func (d *Daemon) openTLS(context.Context, DaemonDeps) error {
	if d.cfg.TLSListen == "" {
		return nil
	}
	r, err := tlsreload.New(tlsreload.Config{CertFile: d.cfg.TLS.CertFile, KeyFile: d.cfg.TLS.KeyFile},
		tlsreload.Deps{Logger: d.log, Registerer: d.reg})
	if err != nil {
		return daemon.Field("TLS", err)
	}
	d.certs = r
	return nil
}

// openController opens the controller; it is shut down (requests and
// steps get ShutdownTimeout) before the listeners are closed.
func (d *Daemon) openController(ctx context.Context, deps DaemonDeps) error {
	srv, err := New(ctx, d.cfg.Controller, deps.Deps)
	if err != nil {
		return err
	}
	d.srv = srv
	d.life.OnClose(func() {
		sctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			d.log.Warn("shutdown did not finish cleanly", "err", err)
		}
	})
	return nil
}

// openAdmin builds the admin listener: metrics and health, the
// authenticated admin API behind the API tokens, and the caller's
// routes.
func (d *Daemon) openAdmin(_ context.Context, deps DaemonDeps) error {
	d.admin = admin.New(admin.Config{Gatherer: d.reg, Logger: d.log, Ready: d.Ready, Tokens: d.cfg.Controller.APITokens})
	if deps.AdminRoutes == nil {
		return nil
	}
	return deps.AdminRoutes(d.admin, "http://"+daemon.Dialable(d.ls.Public.Addr().String()))
}
