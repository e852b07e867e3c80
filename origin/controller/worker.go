package controller

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

// WorkerSteps are the step functions of the queued kinds (qc, transcode,
// transcode-chunk, join) for `vodedge origin worker`, a process apart
// from the controller. They read the source under cfg.DataDir/sources
// and write renditions under cfg.DataDir/work, as in the controller, so
// cfg.DataDir must be the controller's data directory: the same
// directory on one host, or a shared file system mounted at the same
// path on others. Of cfg they use DataDir, Transcode, QC, Scanners and FFprobe;
// of deps the logger and the extra scanners. They do not open the
// catalog (the controller's Pebble): a step finds its title's source
// by its job's subject.
func WorkerSteps(ctx context.Context, cfg Config, deps Deps) (map[string]pipeline.StepFunc, error) {
	if cfg.DataDir == "" || !filepath.IsAbs(cfg.DataDir) {
		return nil, fmt.Errorf("%w: the data directory must be an absolute path (got %q)", ErrConfig, cfg.DataDir)
	}
	if err := validateSteps(&cfg.Transcode, cfg.QC, cfg.Scanners); err != nil {
		return nil, err
	}
	if cfg.FFprobe == "" {
		cfg.FFprobe = "ffprobe"
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.enc, err = transcode.NewEncoder(ctx, cfg.Transcode); err != nil {
		return nil, err
	}
	s.prober = probe.Prober{Path: cfg.FFprobe}
	s.source = append(s.contentScanners(), deps.SourceScanners...) // as the controller's qc step (server.go)
	s.rend = append([]qc.Scanner{qc.Decode{FFmpeg: cfg.Transcode.FFmpeg, Thresholds: cfg.QC}}, deps.RenditionScanners...)
	all := s.stepFuncs()
	funcs := map[string]pipeline.StepFunc{}
	for _, k := range queuedKinds {
		funcs[k] = all[k]
	}
	return funcs, nil
}

// titleOnDisk is a worker's view of title id: its ID and the name of
// its kept source file (sources/{id}/source.ext), all a queued step
// needs. No source is a permanent failure, as a missing title is.
func (s *Server) titleOnDisk(id string) (*catalog.Title, error) {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return nil, pipeline.Permanent(fmt.Errorf("controller: bad title ID %q", id))
	}
	entries, err := os.ReadDir(s.sourceDir(id))
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("controller: source of title %s (is --data the controller's?): %w", id, err))
	}
	for _, e := range entries {
		if e.Type().IsRegular() && (e.Name() == "source" || strings.HasPrefix(e.Name(), "source.")) {
			return &catalog.Title{ID: id, Source: catalog.SourceInfo{FileName: e.Name()}}, nil
		}
	}
	return nil, pipeline.Permanent(fmt.Errorf("controller: title %s has no source under %s", id, s.sourceDir(id)))
}
