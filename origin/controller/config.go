package controller

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/popularity"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/thumbs"
	"github.com/vodedge/vodedge/origin/transcode"
)

// ErrConfig wraps configuration errors.
var ErrConfig = errors.New("controller: bad configuration")

// Config is the controller's configuration. Start from DefaultConfig.
type Config struct {
	// DataDir holds the controller's state (see the package doc).
	DataDir string
	// Store is where titles are published: file:///dir or
	// s3://bucket[/prefix]; "" means DataDir/store. S3 carries the S3
	// endpoint, credentials, classes and multipart sizes.
	Store string
	S3    store.S3Config

	Transcode transcode.Config
	Pipeline  pipeline.Config
	// Queue sends the heavy steps to worker processes (queue.go).
	Queue      Queue
	QC         qc.Thresholds
	Popularity popularity.Config
	Tiering    Tiering

	// Thumbs makes the posters, seek previews and preview clips
	// (origin/thumbs); its zero value means thumbs.DefaultConfig.
	Thumbs thumbs.Config

	// FFprobe is the ffprobe binary; default "ffprobe".
	FFprobe string
	// MaxUploadBytes bounds one upload; default 200 GiB.
	MaxUploadBytes int64
	// APITokens, when set, are the bearer tokens accepted on /v1/
	// ("Authorization: Bearer …"); every call is audit-logged. Empty
	// leaves the API open (the CLI only allows that on request).
	APITokens []string
	// NodeTokens are per-node credentials, node name → token, accepted
	// beside APITokens on the node routes only (nodeauth.go). Ignored
	// when APITokens is empty (the API is open).
	NodeTokens map[string]string
	// PublishWorkers is the number of files uploaded at once; default 8.
	PublishWorkers int
	// KeepWork keeps a title's work directory after it is published.
	KeepWork bool
	// TranscodeOptional starts the controller when ffmpeg is missing or
	// unusable: ingest then answers 503 and titles come only through
	// Import (what `vodedge demo` does on a machine without ffmpeg).
	TranscodeOptional bool

	// Sites are the edge sites the controller makes fill manifests for:
	// the live node registry's seed (registry.go).
	Sites    []fillplan.Site
	Registry Registry
	// ManifestKey signs the manifests; nil turns manifests off.
	ManifestKey    ed25519.PrivateKey
	ManifestPolicy fillplan.Policy
	// ParentGrantTTL is how long a child site's grant to fetch from its
	// parent sites lasts (tierfill.go); default DefaultParentGrantTTL.
	ParentGrantTTL time.Duration

	// Public is the unauthenticated catalogue for apps (public.go).
	Public PublicCatalog

	// Scanners are content scanner plug-ins (URLs, http or https) that
	// get frames of each source (origin/qc.Plugin, content.go).
	Scanners []string
}

// Tiering is the storage-class policy.
type Tiering struct {
	// ColdAfterDays: a published title whose smoothed popularity stayed
	// below ColdBelow plays/day on each of the last ColdAfterDays days
	// moves to the cold class. 0 disables the policy. Default 30.
	ColdAfterDays int
	// ColdBelow in plays per day (bytes served ÷ one playback); default 0.5.
	ColdBelow float64
	// Interval between evaluations; default 1 h.
	Interval time.Duration
}

// DefaultConfig returns the production defaults for dataDir.
func DefaultConfig(dataDir string) Config {
	return Config{
		DataDir:        dataDir,
		Transcode:      transcode.DefaultConfig(),
		Pipeline:       pipeline.DefaultConfig(),
		QC:             qc.DefaultThresholds(),
		Thumbs:         thumbs.DefaultConfig(),
		Popularity:     popularity.DefaultConfig(),
		Tiering:        Tiering{ColdAfterDays: 30, ColdBelow: 0.5, Interval: time.Hour},
		FFprobe:        "ffprobe",
		MaxUploadBytes: 200 << 30,
		PublishWorkers: 8,
		ManifestPolicy: fillplan.DefaultPolicy(),
		Registry:       DefaultRegistry(),
		ParentGrantTTL: DefaultParentGrantTTL,
	}
}

func (c *Config) validate() error {
	if c.DataDir == "" || !filepath.IsAbs(c.DataDir) {
		return fmt.Errorf("%w: the data directory must be an absolute path (got %q)", ErrConfig, c.DataDir)
	}
	if c.Store == "" {
		c.Store = "file://" + filepath.Join(c.DataDir, "store")
	}
	if c.FFprobe == "" {
		c.FFprobe = "ffprobe"
	}
	if c.Thumbs.Columns == 0 {
		c.Thumbs = thumbs.DefaultConfig()
	}
	if err := c.Thumbs.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.Public.defaults()
	if u := c.Public.SteeringURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return fmt.Errorf("%w: the public steering URL must be http:// or https:// (got %q)", ErrConfig, u)
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 200 << 30
	}
	if c.PublishWorkers <= 0 {
		c.PublishWorkers = 8
	}
	if c.Tiering.Interval <= 0 {
		c.Tiering.Interval = time.Hour
	}
	for name, tok := range c.NodeTokens {
		if name == "" || len(tok) < 16 {
			return fmt.Errorf("%w: node %q: a node token needs a name and 16+ characters", ErrConfig, name)
		}
		if slices.Contains(c.APITokens, tok) {
			return fmt.Errorf("%w: node %s's token is also an API token", ErrConfig, name)
		}
	}
	if c.Registry.Grace <= 0 {
		c.Registry.Grace = DefaultRegistry().Grace
	}
	if c.Tiering.ColdAfterDays < 0 || c.Tiering.ColdBelow < 0 {
		return fmt.Errorf("%w: tiering %+v", ErrConfig, c.Tiering)
	}
	if err := c.QC.Validate(); err != nil {
		return err
	}
	if err := validScanners(c.Scanners); err != nil {
		return err
	}
	for _, s := range c.Sites {
		if err := validSite(s); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if err := validParents(c.Sites); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if c.ParentGrantTTL <= 0 {
		c.ParentGrantTTL = DefaultParentGrantTTL
	}
	if err := c.Queue.validate(); err != nil {
		return err
	}
	return c.Transcode.Validate()
}

// Deps are the controller's collaborators.
type Deps struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock of records and of the tiering policy.
	Now func() time.Time
	// SourceScanners and RenditionScanners are extra quality checks
	// (a moderation model, …) run after the built-in ones; see origin/qc.
	SourceScanners    []qc.Scanner
	RenditionScanners []qc.Scanner
	// Version is reported by /v1/status.
	Version string
}
