package steering

import (
	"os"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// openDecisionLog opens ServerConfig.DecisionLog as the service's
// decision log; "" keeps the writer the service was given.
func (s *Server) openDecisionLog(ServerDeps) error {
	switch dest := s.cfg.DecisionLog; dest {
	case "":
	case "off":
		s.cfg.Service.DecisionLog = nil
	case "-":
		s.cfg.Service.DecisionLog = os.Stdout
	default:
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return daemon.Field("DecisionLog", err)
		}
		s.life.OnClose(func() { f.Close() }) // after the service has flushed into it
		s.cfg.Service.DecisionLog = f
	}
	return nil
}

// openTLS reads the certificate when the server serves HTTPS.
func (s *Server) openTLS(ServerDeps) error {
	if s.cfg.TLSListen == "" {
		return nil
	}
	r, err := tlsreload.New(tlsreload.Config{CertFile: s.cfg.TLS.CertFile, KeyFile: s.cfg.TLS.KeyFile},
		tlsreload.Deps{Logger: s.log, Registerer: s.reg})
	if err != nil {
		return daemon.Field("TLS", err)
	}
	s.certs = r
	return nil
}

// openService builds the service: it reads the prefix files and
// prepares the watchers and the BGP speaker, and opens no socket.
func (s *Server) openService(deps ServerDeps) error {
	svc, err := New(s.cfg.Service, Deps{Logger: s.log, Registerer: s.reg, Now: deps.Now})
	if err != nil {
		return err
	}
	s.life.OnClose(svc.Stop)
	s.svc = svc
	return nil
}

// listen binds the public, TLS and admin addresses.
func (s *Server) listen(ServerDeps) error {
	ls, err := daemon.Listen(daemon.Addrs{Public: s.cfg.Listen, TLS: s.cfg.TLSListen, Admin: s.cfg.Admin})
	if err != nil {
		return err
	}
	s.ls = ls
	s.life.OnClose(ls.Close)
	return nil
}

// openAdmin builds the admin listener's routes: metrics and health, and
// steering's admin API behind the admin tokens.
func (s *Server) openAdmin(ServerDeps) error {
	s.admin = admin.New(admin.Config{Gatherer: s.reg, Logger: s.log, Ready: s.Ready, Tokens: s.cfg.AdminTokens})
	s.admin.HandleAuth(s.svc.AdminRoutes())
	return nil
}
