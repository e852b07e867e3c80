package logship

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config is a shipper: which log, where to, through which spool.
type Config struct {
	// URL is the controller's batch route for this node, e.g.
	// http://controller:8070/v1/popularity/batches/ams-1.
	URL string
	// LogPath is the access log file the shipper reads (never writes).
	LogPath string
	// SpoolDir holds the cursor and the batches not yet acknowledged.
	SpoolDir string
	// SpoolBytes bounds the batches waiting in SpoolDir; past it the
	// oldest are dropped (and counted). Default 256 MiB of compressed
	// batches, roughly 2.5 GB of log lines.
	SpoolBytes int64
	// BatchBytes bounds the log bytes of one batch (whole lines; a line
	// longer than this is skipped and counted as dropped). Default
	// 1 MiB, at least 64 KiB.
	BatchBytes int
	// Every is how often the log is read and waiting batches are sent.
	// Default 5s.
	Every time.Duration
	// Timeout bounds one POST; MaxBackoff the wait between attempts
	// while the controller fails (at least Every). Defaults 30s and 1m.
	Timeout, MaxBackoff time.Duration
}

// DefaultConfig returns the defaults; URL, LogPath and SpoolDir are the
// caller's.
func DefaultConfig() Config {
	return Config{SpoolBytes: 256 << 20, BatchBytes: 1 << 20, Every: 5 * time.Second, Timeout: 30 * time.Second, MaxBackoff: time.Minute}
}

// Deps are the shipper's collaborators.
type Deps struct {
	// HTTP sends the batches (with the controller's token); nil is a
	// plain client.
	HTTP       *http.Client
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock of the lag metric; nil is time.Now.
	Now func() time.Time
}

// ErrConfig wraps a bad configuration.
var ErrConfig = errors.New("logship: bad configuration")

// withDefaults fills zero fields from DefaultConfig and validates.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	if c.SpoolBytes == 0 {
		c.SpoolBytes = d.SpoolBytes
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = d.BatchBytes
	}
	if c.Every == 0 {
		c.Every = d.Every
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.Every) // a backoff is whole rounds
	return c, c.validate()
}

func (c Config) validate() error {
	var bad []string
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad = append(bad, fmt.Sprintf("URL %q: want http(s)://host/…", c.URL))
	}
	if c.LogPath == "" || c.LogPath == "-" {
		bad = append(bad, "LogPath: shipping needs the access log in a file")
	}
	if c.SpoolDir == "" {
		bad = append(bad, "SpoolDir is required")
	}
	if c.BatchBytes < 64<<10 {
		bad = append(bad, fmt.Sprintf("BatchBytes %d: at least 64 KiB", c.BatchBytes))
	}
	if c.SpoolBytes < int64(c.BatchBytes) {
		bad = append(bad, fmt.Sprintf("SpoolBytes %d: at least BatchBytes (%d)", c.SpoolBytes, c.BatchBytes))
	}
	if c.Every <= 0 || c.Timeout <= 0 || c.MaxBackoff < c.Every {
		bad = append(bad, fmt.Sprintf("Every %v, Timeout %v, MaxBackoff %v: positive, MaxBackoff ≥ Every", c.Every, c.Timeout, c.MaxBackoff))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(bad, "; "))
	}
	return nil
}
