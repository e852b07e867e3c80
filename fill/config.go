package fill

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/origin"
)

// Config is the fill agent's configuration.
type Config struct {
	Node, Site string
	// PublicKey verifies manifests.
	PublicKey ed25519.PublicKey
	// ManifestURL is polled every PollEvery ("" only takes pushed
	// manifests); ReportURL receives progress reports ("": none).
	ManifestURL, ReportURL string
	// IndexURL is where file indexes are fetched, IndexURL + hash; ""
	// derives it from a ManifestURL of the controller's form
	// (…/v1/manifests/SITE → …/v1/indexes/). Without either, a manifest
	// must carry its indexes inline.
	IndexURL  string
	PollEvery time.Duration
	// HeartbeatURL receives the node's heartbeat (heartbeat.Report) every
	// HeartbeatEvery; "" derives it from a ManifestURL of the
	// controller's form (…/v1/nodes/heartbeat). Heartbeats are off when
	// HeartbeatEvery is 0, there is no URL, or Deps.Describe is nil.
	HeartbeatURL   string
	HeartbeatEvery time.Duration
	// ParentsURL is where the site's parent sites are polled with the
	// manifest (tiergrant.Directory); "" derives it from a ManifestURL
	// of the controller's form (…/v1/parents/SITE). Unused without
	// Deps.Parent.
	ParentsURL string
	Window     Window
	// RateBytes caps fill traffic in bytes per second (all fetches).
	RateBytes int64
	// Concurrency bounds the files fetched at once.
	Concurrency int
	// SliceBytes must equal the edge's slice size: files are stored as
	// the edge's slices.
	SliceBytes int64
	// Masters is how many nodes of the site fetch a file from the origin
	// first; the others wait up to MasterWait for one of them to hold it.
	Masters    int
	MasterWait time.Duration
	// MasterProbe is how often a waiting node asks a master for the file.
	MasterProbe time.Duration
	// StateDir keeps the last verified manifest across restarts.
	StateDir string
}

// DefaultConfig returns the defaults: window 02:00–14:00 local time,
// 1.2 Gbit/s, 4 files at once, one master per file waited for 2 minutes,
// manifests polled every 5 minutes, a heartbeat every 30 s.
func DefaultConfig() Config {
	w, _ := ParseWindow("02:00-14:00", time.Local)
	return Config{
		PollEvery: 5 * time.Minute, HeartbeatEvery: 30 * time.Second, Window: w, RateBytes: 1_200_000_000 / 8,
		Concurrency: 4, SliceBytes: 4 << 20, Masters: 1, MasterWait: 2 * time.Minute, MasterProbe: 2 * time.Second,
	}
}

// indexURL returns the base URL of file indexes ("" when unknown).
func (c *Config) indexURL() string {
	if c.IndexURL != "" {
		return c.IndexURL
	}
	if base, _, ok := strings.Cut(c.ManifestURL, "/v1/manifests/"); ok {
		return base + "/v1/indexes/"
	}
	return ""
}

func (c *Config) validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("fill: "+f, a...)) }
	if c.Node == "" || c.Site == "" {
		bad("node and site names are required")
	}
	if len(c.PublicKey) != ed25519.PublicKeySize {
		bad("a manifest public key is required")
	}
	if c.RateBytes <= 0 || c.Concurrency < 1 || c.SliceBytes <= 0 || c.Masters < 1 || c.MasterWait < 0 || c.MasterProbe <= 0 || c.PollEvery <= 0 || c.HeartbeatEvery < 0 {
		bad("rate, concurrency, slice size, masters and poll interval must be positive")
	}
	if c.Window.Loc == nil {
		bad("no fill window")
	}
	if c.StateDir == "" {
		bad("no state directory")
	}
	return errors.Join(errs...)
}

// Source fetches byte ranges of files: an origin client or a peer.
type Source interface {
	Fetch(ctx context.Context, req origin.Request) (*origin.Object, error)
}

// Deps are the agent's collaborators.
type Deps struct {
	Store  Store
	Origin Source
	// Peer returns a source reading from the named node's peer listener
	// (cache-only); ok is false when the node is unknown or not usable.
	Peer func(node string) (Source, bool)
	// SiteNodes returns the usable nodes of the site (this one included),
	// for choosing fill masters.
	SiteNodes func() []placement.Node
	// Parent returns a source reading from a node of a parent site (its
	// peer listener at addr, presenting grant); nil turns tiered fill
	// off.
	Parent func(site, node, addr, grant string) (Source, bool)
	// Describe returns the node's report to the controller's registry:
	// weight, capacity, disks, version, peer address (the agent sets
	// name and site). nil sends no heartbeats.
	Describe func() heartbeat.Report
	HTTP     *http.Client
	Logger   *slog.Logger
	// Registerer receives the agent's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}
