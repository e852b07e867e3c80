package edge

import (
	"context"
	"errors"
	"strings"

	"github.com/vodedge/vodedge/cache/logship"
	"github.com/vodedge/vodedge/internal/daemon"
)

// Report ships the node's access log (AccessLog, which must be a file)
// to the controller's popularity figures (cache/logship).
type Report struct {
	// Ship is the shipper's configuration. Its URL, when empty, is the
	// controller's batch route for this node beside Fill's manifest URL;
	// LogPath is AccessLog; SpoolDir, when empty, is AccessLog + ".spool".
	Ship logship.Config
	// Token is the bearer token for the controller; "" is Fill's.
	Token string
}

// DefaultReport returns the shipper's defaults.
func DefaultReport() *Report { return &Report{Ship: logship.DefaultConfig()} }

// openReport opens the access log shipper's spool, when the node ships.
func (n *Node) openReport(Deps) error {
	if n.cfg.Report == nil {
		return nil
	}
	cfg, token, err := n.reportConfig()
	if err != nil {
		return daemon.Field("Report", err)
	}
	s, err := logship.New(cfg, logship.Deps{HTTP: controllerClient(token), Logger: n.log, Registerer: n.reg})
	if err != nil {
		return daemon.Field("Report", err)
	}
	n.ship = s
	return nil
}

// reportConfig completes the shipper's configuration with what the node
// knows: its log, its name and the controller it fills from.
func (n *Node) reportConfig() (logship.Config, string, error) {
	r := n.cfg.Report
	cfg, token := r.Ship, r.Token
	switch n.cfg.AccessLog {
	case "", "off", "-":
		return cfg, "", errors.New("shipping the access log needs it in a file (AccessLog)")
	}
	cfg.LogPath = n.cfg.AccessLog
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = n.cfg.AccessLog + ".spool"
	}
	if f := n.cfg.Fill; f != nil {
		if base, _, ok := strings.Cut(f.Agent.ManifestURL, "/v1/manifests/"); ok && cfg.URL == "" {
			cfg.URL = base + "/v1/popularity/batches/" + n.cfg.Cache.NodeName
		}
		if token == "" {
			token = f.Token
		}
	}
	if cfg.URL == "" {
		return cfg, "", errors.New("no controller to ship the access log to: set its URL, or fill from a controller's manifest URL")
	}
	return cfg, token, nil
}

// runReport runs the shipper, if any, until the returned stop is called.
func (n *Node) runReport() (stop func()) {
	if n.ship == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = n.ship.Run(ctx)
	}()
	return func() { cancel(); <-done }
}
