package controller

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

// title loads the job's title; a missing title is permanent. A worker
// process (WorkerSteps) has no catalog and looks at the source on disk.
func (s *Server) title(t *pipeline.Task) (*catalog.Title, error) {
	if s.cat == nil {
		return s.titleOnDisk(t.Job.Subject)
	}
	title, err := s.cat.Get(t.Job.Subject)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, pipeline.Permanent(err)
	}
	return title, err
}

func (s *Server) sourcePath(title *catalog.Title) string {
	return filepath.Join(s.sourceDir(title.ID), "source"+sourceExt(title.Source.FileName))
}

// sourceInfo is the probe step's result.
func sourceInfo(t *pipeline.Task) (*probe.Info, error) {
	var info probe.Info
	if err := t.Result(stepProbe, &info); err != nil {
		return nil, pipeline.Permanent(err)
	}
	return &info, nil
}

// runProbe probes the source again (the ingest graph records the probe
// done at upload; this runs only for graphs built otherwise).
func (s *Server) runProbe(ctx context.Context, t *pipeline.Task) (any, error) {
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	info, err := s.prober.Probe(ctx, s.sourcePath(title))
	if errors.Is(err, probe.ErrNotVideo) {
		return nil, pipeline.Permanent(err)
	}
	return info, err
}

// transcodeResult is a transcode step's output.
type transcodeResult struct {
	Output   transcode.Output `json:"output"`
	Findings []qc.Finding     `json:"findings"`
}

// runTranscode encodes one rendition into a temporary directory of its
// own run (runDir), checks it, and renames it into place: an
// interrupted run leaves only its temporary directory.
func (s *Server) runTranscode(ctx context.Context, t *pipeline.Task) (any, error) {
	var r transcode.Rendition
	if err := t.Args(&r); err != nil {
		return nil, err
	}
	if s.enc == nil {
		return nil, pipeline.Permanent(errNoTranscoder)
	}
	title, info, err := s.titleAndSource(t)
	if err != nil {
		return nil, err
	}
	final := s.renditionDir(title.ID, r.Name)
	tmp, err := runDir(final)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone once in place; else this run's leftovers
	out, err := s.enc.Encode(ctx, s.sourcePath(title), info.Duration, r, tmp, func(f float64) { t.Progress(f*0.8, "encoding") })
	if err != nil {
		return nil, err
	}
	findings, err := s.checkRendition(ctx, title.ID, r, tmp, info, func(f float64) { t.Progress(0.8+f*0.2, "checking") })
	if err != nil {
		return nil, err
	}
	if err := moveIntoPlace(tmp, final, "rendition"); err != nil {
		return nil, err
	}
	return transcodeResult{Output: out, Findings: findings}, nil
}

// titleAndSource returns the step's title and its probed source.
func (s *Server) titleAndSource(t *pipeline.Task) (*catalog.Title, *probe.Info, error) {
	title, err := s.title(t)
	if err != nil {
		return nil, nil, err
	}
	info, err := sourceInfo(t)
	if err != nil {
		return nil, nil, err
	}
	return title, info, nil
}

// renditionDir is where rendition name of title id is kept once built
// and checked (each run builds it in a runDir of its own first).
func (s *Server) renditionDir(id, name string) string {
	return filepath.Join(s.workDir(id), name)
}

// checkRendition runs the rendition scanners on the rendition in dir.
func (s *Server) checkRendition(ctx context.Context, id string, r transcode.Rendition, dir string, info *probe.Info, progress func(float64)) ([]qc.Finding, error) {
	in := qc.Input{Title: id, Target: r.Name, Kind: string(r.Kind), Path: filepath.Join(dir, transcode.PlaylistFile), Source: info}
	return scanAll(ctx, s.rend, in, progress)
}

// scanAll runs scanners one after the other, splitting progress evenly.
func scanAll(ctx context.Context, scanners []qc.Scanner, in qc.Input, progress func(float64)) ([]qc.Finding, error) {
	var all []qc.Finding
	for i, sc := range scanners {
		part := func(f float64) { progress((float64(i) + f) / float64(len(scanners))) }
		fs, err := sc.Scan(ctx, in, part)
		if err != nil {
			return nil, scanError(sc.Name(), err)
		}
		all = append(all, fs...)
	}
	progress(1)
	return all, nil
}

// qcResult is the qc step's output.
type qcResult struct {
	Findings []qc.Finding `json:"findings"`
}

// runQC runs the source scanners.
func (s *Server) runQC(ctx context.Context, t *pipeline.Task) (any, error) {
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	info, err := sourceInfo(t)
	if err != nil {
		return nil, err
	}
	in := qc.Input{Title: title.ID, Target: "source", Kind: "source", Path: s.sourcePath(title), Source: info}
	findings, err := scanAll(ctx, s.source, in, func(f float64) { t.Progress(f, "analyzing source") })
	if err != nil {
		return nil, err
	}
	return qcResult{Findings: findings}, nil
}
