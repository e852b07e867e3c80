package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/webui"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/transcode"
)

// controllerConfig is the demo's controller, through the Go API behind
// `vodedge origin` (controller.DaemonConfig): a small, fast ladder, the
// site's fill manifests signed, the API behind the demo's token.
func (d *demo) controllerConfig(ffmpeg bool) (controller.DaemonConfig, error) {
	cfg := controller.DefaultDaemonConfig(d.files.controllerDB)
	cfg.Listen, cfg.Admin, cfg.ShutdownTimeout = d.ctlAPI, d.ctlUI, 5*time.Second
	c := &cfg.Controller
	c.Transcode.Ladder = transcode.Ladder{{Height: 360, Bitrate: 600_000}, {Height: 240, Bitrate: 300_000}}
	c.Transcode.SegmentDuration, c.Transcode.Preset, c.Transcode.AudioBitrate = 2*time.Second, "veryfast", 96_000
	c.Pipeline.Workers, c.Tiering.ColdAfterDays = 2, 0
	c.TranscodeOptional = !ffmpeg || d.o.sample
	var err error
	if c.APITokens, err = admin.LoadTokens(d.files.apiTokens); err != nil {
		return cfg, err
	}
	if c.ManifestKey, err = manifest.LoadPrivateKey(d.files.manifestKey); err != nil {
		return cfg, err
	}
	c.Sites, err = loadSites(d.files.fillSites)
	return cfg, err
}

// pages are the demo's web pages on the controller's admin listener:
// the status page shows the site's edges and steering, and its stop and
// start buttons stop and start the edges.
func (d *demo) pages(ctx context.Context, log *slog.Logger) controller.AdminRoutes {
	cfg := webui.Config{SteerURL: "http://" + d.steer.listen, SteerAdmin: "http://" + d.steer.admin, AdminToken: d.files.adminToken}
	for _, e := range d.edges {
		cfg.Edges = append(cfg.Edges, "http://"+e.admin)
	}
	return uiRoutes(cfg, webui.Deps{Nodes: &demoNodes{ctx: ctx, edges: d.edges}, Logger: log}, d.files.apiToken)
}

// startController starts the controller in-process, with the pages on
// its admin listener, and returns it and an API client.
func (d *demo) startController(ctx context.Context, wg *sync.WaitGroup) (*controller.Server, *client.Client, error) {
	_, ffErr := exec.LookPath("ffmpeg")
	cfg, err := d.controllerConfig(ffErr == nil)
	if err != nil {
		return nil, nil, err
	}
	log, err := d.daemonOpts("origin").stderrLogger()
	if err != nil {
		return nil, nil, err
	}
	deps := controller.DaemonDeps{Deps: controller.Deps{Logger: log, Version: version}, AdminRoutes: d.pages(ctx, log)}
	dmn, err := controller.NewDaemon(ctx, cfg, deps)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: controller: %w", err)
	}
	d.ctlDone = make(chan error, 1)
	wg.Go(func() { d.ctlDone <- dmn.Run(ctx) })
	cli, err := client.New("http://"+d.ctlAPI, d.files.apiToken, &http.Client{Timeout: time.Minute})
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := waitHTTP(rctx, "http://"+d.ctlUI+"/readyz", d.controllerAlive); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(d.out, "controller  API and origin on %s, pages and metrics on %s\n", d.ctlAPI, d.ctlUI)
	return dmn.Controller(), cli, nil
}

func (d *demo) controllerAlive() error {
	select {
	case err := <-d.ctlDone:
		d.ctlDone <- err
		return fmt.Errorf("demo: the controller stopped: %v", err)
	default:
		return nil
	}
}
