package steering

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/daemon"
)

// ServerConfig is the steering daemon: everything `vodedge steer` takes
// on its command line, as values (the sites' keys, the signer and the
// admin tokens, not the files they are kept in). Start from
// DefaultServerConfig; NewServer validates it.
type ServerConfig struct {
	// Service is what steering decides with: the engine, each site's
	// gossip, the prefix files (re-read by Server.Reload), BGP, the URL
	// signer, the manifests.
	Service ServiceConfig
	// Listen is the public HTTP address for players; TLSListen, when
	// set, an HTTPS one beside it, with TLS naming the certificate files
	// (re-read by Server.Reload). Port 0 picks a free port
	// (Server.Addrs).
	Listen, TLSListen string
	TLS               TLSFiles
	// Admin is the admin listener: /metrics, /healthz, /readyz, and the
	// admin API (AdminRoutes) behind AdminTokens (none: it answers 401).
	Admin       string
	AdminTokens []string
	// Limits bound the public listeners' connections and requests.
	Limits Limits
	// ShutdownTimeout is how long requests in flight may take once the
	// server is told to stop.
	ShutdownTimeout time.Duration
	// DecisionLog is where the decision log goes: a file path (appended
	// to, opened by NewServer), "-" for standard output, "off" for none;
	// "" keeps Service.DecisionLog (a writer the caller owns, or nil).
	DecisionLog string
}

// TLSFiles names the PEM certificate chain and key of TLSListen.
type TLSFiles struct{ CertFile, KeyFile string }

// Limits are the public listeners' timeouts and limits.
type Limits struct {
	// ReadTimeout is the time a client has to send a request's headers;
	// WriteTimeout the time to write an answer (answers are small);
	// IdleTimeout how long a kept-alive connection waits for its next
	// request. All must be positive.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxHeaderBytes is the largest request header block, 1 KiB to 1 MiB
	// (431 beyond it).
	MaxHeaderBytes int
	// MaxConns bounds the connections open at once over the public
	// listeners (503 beyond); MaxConnsPerClient those from one IPv4
	// address or IPv6 /64 (429 beyond). 0: no limit.
	MaxConns, MaxConnsPerClient int
}

// DefaultServerConfig returns steering on :8088 (admin on
// 127.0.0.1:9088) with the engine's defaults and no site: the caller
// adds the sites (SitesFile.Apply fills Service from a sites file).
func DefaultServerConfig() ServerConfig {
	return ServerConfig{
		Service: ServiceConfig{Engine: DefaultConfig()},
		Listen:  ":8088", Admin: "127.0.0.1:9088",
		Limits:          Limits{ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 8 << 10},
		ShutdownTimeout: 5 * time.Second,
	}
}

// validate checks what NewServer cannot leave to the parts it assembles
// (the service validates its own configuration).
func (c *ServerConfig) validate() error {
	errs := daemon.CheckAddrs(daemon.Addrs{Public: c.Listen, TLS: c.TLSListen, Admin: c.Admin}, c.TLS.CertFile, c.TLS.KeyFile)
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	l := &c.Limits
	if l.ReadTimeout <= 0 || l.WriteTimeout <= 0 || l.IdleTimeout <= 0 {
		bad("Limits: read, write and idle timeouts must be positive")
	}
	if l.MaxHeaderBytes < 1<<10 || l.MaxHeaderBytes > 1<<20 {
		bad("Limits.MaxHeaderBytes %d: want 1KiB..1MiB", l.MaxHeaderBytes)
	}
	if l.MaxConns < 0 || l.MaxConnsPerClient < 0 {
		bad("Limits: connection limits must not be negative")
	}
	if c.ShutdownTimeout < 0 {
		bad("ShutdownTimeout must not be negative")
	}
	if len(errs) > 0 {
		return errors.New("steering: " + strings.Join(errs, "; "))
	}
	return nil
}
