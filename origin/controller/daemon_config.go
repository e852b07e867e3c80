package controller

import (
	"errors"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/daemon"
)

// DaemonConfig is `vodedge origin`: the controller and its listeners,
// as values (the API tokens and the manifest key, not the files they
// are kept in). Start from DefaultDaemonConfig; NewDaemon validates it.
type DaemonConfig struct {
	// Controller is the controller itself; its APITokens guard the API
	// on Listen and the admin API (/debug/pprof, /v1/routes) on Admin.
	Controller Config
	// Listen is the API's HTTP address (and, for a local store, the
	// published files'); TLSListen, when set, an HTTPS one beside it,
	// with TLS naming the certificate files (re-read by
	// Daemon.ReloadTLS). Port 0 picks a free port (Daemon.Addrs).
	Listen, TLSListen string
	TLS               TLSFiles
	// Admin is the admin listener: /metrics, /healthz, /readyz, and
	// what DaemonDeps.AdminRoutes mounts (the web pages).
	Admin string
	// ShutdownTimeout is how long requests and pipeline steps may take
	// to stop once the daemon is told to.
	ShutdownTimeout time.Duration
}

// TLSFiles names the PEM certificate chain and key of TLSListen.
type TLSFiles struct{ CertFile, KeyFile string }

// DefaultDaemonConfig returns the controller's defaults for dataDir, its
// API on :8070 and its admin listener on 127.0.0.1:9070.
func DefaultDaemonConfig(dataDir string) DaemonConfig {
	return DaemonConfig{Controller: DefaultConfig(dataDir), Listen: ":8070", Admin: "127.0.0.1:9070", ShutdownTimeout: 30 * time.Second}
}

// validate checks the listeners; New validates the controller's own
// configuration.
func (c *DaemonConfig) validate() error {
	errs := daemon.CheckAddrs(daemon.Addrs{Public: c.Listen, TLS: c.TLSListen, Admin: c.Admin}, c.TLS.CertFile, c.TLS.KeyFile)
	if c.ShutdownTimeout < 0 {
		errs = append(errs, "ShutdownTimeout must not be negative")
	}
	if len(errs) > 0 {
		return errors.New("controller: " + strings.Join(errs, "; "))
	}
	return nil
}
