package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/fillplan"
)

// originFillOpts are the controller's fill-manifest flags.
type originFillOpts struct {
	sitesFile, keyFile string
}

func (o *originFillOpts) bind(f *pflag.FlagSet) {
	f.StringVar(&o.sitesFile, "sites", "", "YAML file of the edge sites to make fill manifests for (name, nodes with name, weight, capacity)")
	f.StringVar(&o.keyFile, "manifest-key-file", "", "ed25519 signing key for fill manifests (make one with `vodedge fill keygen`); without it /v1/manifests is off")
}

// apply adds the sites and the signing key to the controller config.
func (o *originFillOpts) apply(c *controller.Config) error {
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
	if o.sitesFile == "" {
		return fmt.Errorf("--manifest-key-file needs --sites: manifests are made per site")
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
