package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering"
)

// steerConfig is the demo's steering, through the Go API behind `vodedge
// steer` (steering.ServerConfig): it watches the site's gossip (the
// sites file the demo wrote), reads the site's manifest from the
// controller, signs URLs with the edges' key, and lists the controller
// last as the player's fallback.
func (d *demo) steerConfig() (steering.ServerConfig, error) {
	cfg := steering.DefaultServerConfig()
	cfg.Listen, cfg.Admin, cfg.ShutdownTimeout = d.steer.listen, d.steer.admin, time.Second
	cfg.DecisionLog = filepath.Join(d.dir, "steer-decisions.log")
	var err error
	if cfg.AdminTokens, err = admin.LoadTokens(d.files.adminTokens); err != nil {
		return cfg, err
	}
	sf, err := steering.LoadSitesFile(d.files.steerSites)
	if err != nil {
		return cfg, err
	}
	if err := sf.Apply(&cfg.Service, "steer-demo", d.o.host); err != nil {
		return cfg, err
	}
	svc := &cfg.Service
	svc.Engine.OriginURL, svc.Engine.MaxURLs = "http://"+d.ctlAPI, 4
	if svc.Signer, err = d.files.urlSigner(); err != nil {
		return cfg, err
	}
	pub, err := manifest.ParsePublicKey(d.files.manifestPub)
	svc.Manifests = &steering.ManifestConfig{URL: "http://" + d.ctlAPI, PublicKey: pub, PollEvery: 5 * time.Second, Token: d.files.apiToken}
	return cfg, err
}

// urlSigner signs with the first of the demo's URL keys, the token in
// the path covering the file's directory (`vodedge steer`'s defaults).
func (f *demoFiles) urlSigner() (*urlsign.Signer, error) {
	keys, err := urlsign.LoadKeys(f.urlKeys)
	if err != nil {
		return nil, err
	}
	return urlsign.NewSigner(keys[0], urlsign.SignerConfig{TTL: 6 * time.Hour, Carrier: urlsign.InPath, Scope: urlsign.ScopeDir})
}

// startSteer starts steering, watching the site's gossip and manifest,
// and waits until it is ready.
func (d *demo) startSteer(ctx context.Context, wg *sync.WaitGroup) error {
	cfg, err := d.steerConfig()
	if err != nil {
		return err
	}
	log, err := d.daemonOpts("steer").stderrLogger()
	if err != nil {
		return err
	}
	srv, err := steering.NewServer(cfg, steering.ServerDeps{Logger: log})
	if err != nil {
		return fmt.Errorf("demo: steering: %w", err)
	}
	d.steer.done = make(chan error, 1)
	wg.Go(func() { d.steer.done <- srv.Run(ctx) })
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := waitHTTP(rctx, "http://"+d.steer.admin+"/readyz", d.steerAlive); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "steering  players ask %s, admin on %s\n", d.steer.listen, d.steer.admin)
	return nil
}

func (d *demo) steerAlive() error {
	select {
	case err := <-d.steer.done:
		d.steer.done <- err
		return fmt.Errorf("demo: steering stopped: %v", err)
	default:
		return nil
	}
}
