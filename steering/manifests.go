package steering

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
)

// ManifestConfig makes steering read each site's fill manifest from the
// controller, so that it knows which sites hold which files (see the
// package doc: content misses).
type ManifestConfig struct {
	// URL is the controller's base URL; a site's manifest is
	// URL/v1/manifests/SITE, as the site's edges poll it.
	URL string
	// PublicKey verifies the manifests (the edges' --manifest-public-key).
	PublicKey ed25519.PublicKey
	// Token is the controller API's bearer token ("" sends none).
	Token string
	// PollEvery is how often each manifest is fetched. Default 1 min.
	PollEvery time.Duration
	// HTTP is the client; nil uses one with a 30 s timeout.
	HTTP *http.Client
}

// maxManifestBytes bounds a manifest download (compressed).
const maxManifestBytes = 256 << 20

// ManifestContent is a Content from the sites' signed fill manifests: a
// site whose manifest is loaded holds exactly the files it lists, on the
// nodes it lists; a site without one is left to placement.
type ManifestContent struct {
	cfg   ManifestConfig
	log   *slog.Logger
	sites map[string]*atomic.Pointer[siteFiles] // fixed at creation
	// indexes are each site's file indexes as last polled, by hash (only
	// Run's goroutine uses them).
	indexes map[string]map[string][]manifest.File
	// cold is the set of cold titles' IDs as last polled (cold.go).
	cold atomic.Pointer[map[string]struct{}]
	// coldFailed is set once a cold poll failed, to log that once.
	coldFailed bool
}

var _ Content = (*ManifestContent)(nil)

// siteFiles is one site's manifest as steering uses it.
type siteFiles struct {
	version int64
	nodes   map[string][]string // key → nodes, in placement order
}

// NewManifestContent prepares the content of sites; nothing is known
// until Load or Run.
func NewManifestContent(cfg ManifestConfig, sites []string, log *slog.Logger) (*ManifestContent, error) {
	if len(cfg.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("steering: manifests: no valid public key")
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Minute
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &ManifestContent{cfg: cfg, log: log, sites: map[string]*atomic.Pointer[siteFiles]{}, indexes: map[string]map[string][]manifest.File{}}
	for _, s := range sites {
		c.sites[s] = &atomic.Pointer[siteFiles]{}
	}
	return c, nil
}

// Holders implements Content.
func (c *ManifestContent) Holders(site, key string) ([]string, bool) {
	p := c.sites[site]
	if p == nil {
		return nil, false
	}
	f := p.Load()
	if f == nil {
		return nil, false
	}
	return f.nodes[key], true
}

// Load verifies a signed, self-contained manifest (indexes inline, as
// manifest.Sign makes it) and installs it for its site, unless it is not
// newer than the one held. It reports whether it was installed.
func (c *ManifestContent) Load(raw []byte) (bool, error) {
	return c.load(bytes.NewReader(raw), nil)
}

// load verifies a full manifest document, its indexes inline or through
// index, and installs it.
func (c *ManifestContent) load(r io.Reader, index manifest.IndexFunc) (bool, error) {
	m, err := manifest.Expand(r, c.cfg.PublicKey, index)
	if err != nil {
		return false, err
	}
	p := c.sites[m.Site]
	if p == nil {
		return false, fmt.Errorf("steering: manifest for %q, which is not a site", m.Site)
	}
	if old := p.Load(); old != nil && old.version >= m.Version {
		return false, nil
	}
	f := &siteFiles{version: m.Version, nodes: make(map[string][]string, len(m.Entries))}
	for i := range m.Entries {
		f.nodes[m.Entries[i].Key] = m.Entries[i].Nodes
	}
	p.Store(f)
	c.log.Info("fill manifest loaded", "site", m.Site, "version", m.Version, "files", len(m.Entries))
	return true, nil
}

// Run polls every site's manifest until ctx ends.
func (c *ManifestContent) Run(ctx context.Context) {
	for {
		for site := range c.sites {
			if err := c.poll(ctx, site); err != nil && ctx.Err() == nil {
				c.log.Warn("fetching a fill manifest failed; keeping the one held", "site", site, "err", err)
			}
		}
		if err := c.pollCold(ctx); err != nil && ctx.Err() == nil && !c.coldFailed {
			c.coldFailed = true
			c.log.Warn("listing cold titles failed: answers carry no restoring hint until it works (needs an API token)", "err", err)
		} else if err == nil {
			c.coldFailed = false
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.cfg.PollEvery):
		}
	}
}

// poll fetches a site's full manifest and the file indexes it
// references, reusing those of the previous poll (indexes are named by
// their hash, so an unchanged group costs nothing).
func (c *ManifestContent) poll(ctx context.Context, site string) error {
	base := strings.TrimSuffix(c.cfg.URL, "/")
	resp, err := c.get(ctx, base+"/v1/manifests/"+site)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	prev := c.indexes[site]
	next := map[string][]manifest.File{}
	index := func(hash string) ([]manifest.File, error) {
		files, ok := prev[hash]
		if !ok {
			var ierr error
			if files, ierr = c.index(ctx, base+"/v1/indexes/"+hash, hash); ierr != nil {
				return nil, ierr
			}
		}
		next[hash] = files
		return files, nil
	}
	installed, err := c.load(io.LimitReader(resp.Body, maxManifestBytes), index)
	if installed {
		c.indexes[site] = next
	}
	return err
}

func (c *ManifestContent) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp, nil
}

// index fetches and verifies one file index.
func (c *ManifestContent) index(ctx context.Context, url, hash string) ([]manifest.File, error) {
	resp, err := c.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, manifest.MaxIndexBytes+1))
	if err != nil {
		return nil, err
	}
	return manifest.OpenIndex(data, hash)
}
