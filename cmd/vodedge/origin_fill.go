package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/fillplan"
)

// originFillOpts are the controller's fill-manifest flags.
type originFillOpts struct {
	sitesFile, keyFile string
	grace              time.Duration
	newSites           bool
	nodeTokenFile      string
}

func (o *originFillOpts) bind(f *pflag.FlagSet) {
	f.StringVar(&o.sitesFile, "sites", "", "YAML file of the edge sites to make fill manifests for (name, nodes with name, weight, capacity; parents: sites it fills from before the origin)")
	f.StringVar(&o.keyFile, "manifest-key-file", "", "ed25519 signing key for fill manifests (make one with `vodedge fill keygen`); without it /v1/manifests is off")
	f.DurationVar(&o.grace, "registry-grace", controller.DefaultRegistry().Grace, "how long a node that reported by heartbeat (POST /v1/nodes/heartbeat) stays in its site's manifests without another; past it its files go to the site's other nodes")
	f.StringVar(&o.nodeTokenFile, "node-token-file", "", "per-node credentials, one \"NAME TOKEN\" line per edge (16+ character tokens): an edge whose --manifest-token-file holds its own token may read manifests and indexes and post heartbeats, fill reports and access-log batches for itself only (403 otherwise); API tokens still open everything")
	f.BoolVar(&o.newSites, "registry-new-sites", false, "accept heartbeats for sites the --sites file does not name (they get manifests too); else such heartbeats get 422")
}

// apply adds the sites, the signing key and the node credentials to the
// controller config.
func (o *originFillOpts) apply(c *controller.Config) error {
	if o.nodeTokenFile != "" {
		raw, err := os.ReadFile(o.nodeTokenFile)
		if err != nil {
			return fmt.Errorf("--node-token-file: %w", err)
		}
		if c.NodeTokens, err = controller.ParseNodeTokens(bytes.NewReader(raw)); err != nil {
			return fmt.Errorf("--node-token-file %s: %w", o.nodeTokenFile, err)
		}
		if len(c.APITokens) == 0 {
			return fmt.Errorf("--node-token-file needs --api-token-file: with --no-api-auth the API is open anyway")
		}
	}
	if o.keyFile == "" {
		if o.sitesFile != "" {
			return fmt.Errorf("--sites needs --manifest-key-file: manifests are signed")
		}
		return nil
	}
	key, err := manifest.LoadPrivateKey(o.keyFile)
	if err != nil {
		return fmt.Errorf("--manifest-key-file: %w", err)
	}
	c.ManifestKey = key
	if o.grace <= 0 {
		return fmt.Errorf("--registry-grace must be positive")
	}
	c.Registry = controller.Registry{Grace: o.grace, AllowNewSites: o.newSites}
	if o.sitesFile == "" {
		if o.newSites {
			return nil // every site joins by heartbeat
		}
		return fmt.Errorf("--manifest-key-file needs --sites (or --registry-new-sites): manifests are made per site")
	}
	c.Sites, err = loadSites(o.sitesFile)
	return err
}

func loadSites(path string) ([]fillplan.Site, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--sites: %w", err)
	}
	sites, err := controller.ParseSites(raw)
	if err != nil {
		return nil, fmt.Errorf("--sites %s: %w", path, err)
	}
	return sites, nil
}
