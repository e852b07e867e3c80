package steering

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/connlimit"
)

// openHTTP builds the public listeners' fasthttp server with the
// connection limits and timeouts.
func (s *Server) openHTTP(ServerDeps) error {
	l := s.cfg.Limits
	lim, err := connlimit.New(connlimit.Config{Max: l.MaxConns, PerClient: l.MaxConnsPerClient, Name: "public"}, s.reg)
	if err != nil {
		return err
	}
	s.lim = lim
	s.http = &fasthttp.Server{
		Handler: s.svc.Handler(), Name: "vodedge-steer", NoDefaultContentType: true,
		ReadTimeout: l.ReadTimeout, WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, ReadBufferSize: l.MaxHeaderBytes,
		Logger: slogPrinter{s.log}, ConnState: lim.FastHTTPConnState,
	}
	return nil
}

// serve starts serving the public, TLS and admin listeners; a
// listener's failure is sent to errc.
func (s *Server) serve(errc chan<- error) {
	go func() { errc <- s.http.Serve(s.lim.Listener(s.ls.Public, true)) }()
	if s.ls.TLS != nil {
		go func() { errc <- s.http.Serve(tls.NewListener(s.lim.Listener(s.ls.TLS, false), s.certs.TLSConfig())) }()
	}
	go func() { errc <- s.admin.Serve(s.ls.Admin) }()
}

// shutdown stops serving: the listeners stop taking requests, requests
// in flight get the shutdown timeout, then everything NewServer opened
// is closed (the service leaves the sites' gossip and flushes the
// decision log first).
func (s *Server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.ShutdownWithContext(ctx); err != nil {
		s.log.Warn("shutdown deadline passed with requests in flight", "err", err)
	}
	_ = s.admin.Shutdown(ctx)
	s.life.Release()
	s.log.Info("steering stopped")
}

// slogPrinter is fasthttp's logger on slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, args ...any) {
	p.log.Warn("http: " + fmt.Sprintf(format, args...))
}
