package controller

import (
	"context"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

// packageResult is the package step's output.
type packageResult struct {
	DurationMS int64 `json:"duration_ms"`
	Variants   int   `json:"variants"`
	QCPassed   bool  `json:"qc_passed"`
}

// runPackage writes the manifests, assembles the QC report from the qc
// and transcode steps, and records renditions and verdict in the catalog.
func (s *Server) runPackage(_ context.Context, t *pipeline.Task) (any, error) {
	var plan []transcode.Rendition
	if err := t.Args(&plan); err != nil {
		return nil, err
	}
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	subs, err := packagedSubtitles(t)
	if err != nil {
		return nil, err
	}
	res, err := packager.Package(s.workDir(title.ID), plan, subs...)
	if err != nil {
		return nil, err
	}
	findings, segments, err := collectFindings(t, plan)
	if err != nil {
		return nil, err
	}
	report := qc.NewReport(findings, s.now())
	if err := s.reports.Put(title.ID, report); err != nil {
		return nil, err
	}
	_, err = s.cat.Update(title.ID, func(ti *catalog.Title) error {
		ti.DurationMS, ti.Renditions = res.DurationMS, renditions(res, segments)
		ti.Subtitles = catalogSubtitles(res.Subtitles)
		ti.QC = verdict(ti.QC, report)
		ti.ViewerWarnings = viewerWarnings(report)
		ti.Markers = mergeMarkers(ti.Markers, detectedMarkers(report))
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Progress(1, "manifests written")
	return packageResult{DurationMS: res.DurationMS, Variants: len(res.Variants), QCPassed: report.Passed}, nil
}

// collectFindings gathers the qc step's and every transcode step's
// findings, and each rendition's segment count.
func collectFindings(t *pipeline.Task, plan []transcode.Rendition) ([]qc.Finding, map[string]int, error) {
	var src qcResult
	if err := t.Result(stepQC, &src); err != nil {
		return nil, nil, pipeline.Permanent(err)
	}
	findings := src.Findings
	segments := map[string]int{}
	for _, r := range plan {
		var tr transcodeResult
		if err := t.Result(transcodeStep(r), &tr); err != nil {
			return nil, nil, pipeline.Permanent(err)
		}
		findings = append(findings, tr.Findings...)
		segments[r.Name] = tr.Output.Segments
	}
	return findings, segments, nil
}

func renditions(res *packager.Result, segments map[string]int) []catalog.Rendition {
	var out []catalog.Rendition
	for _, v := range res.Variants {
		out = append(out, catalog.Rendition{
			Name: v.Name, Kind: string(v.Kind), Codec: string(v.Codec), Codecs: v.Codecs,
			Width: v.Width, Height: v.Height, FPS: v.FPS, Language: v.Language,
			PeakBandwidth: v.PeakBandwidth, AverageBandwidth: v.AverageBandwidth, Segments: segments[v.Name],
		})
	}
	return out
}

// verdict turns a report into the catalog's QC summary. An approval
// given to an earlier failing report survives a re-run that still fails.
func verdict(prev catalog.QC, r qc.Report) catalog.QC {
	q := catalog.QC{State: "passed", Problems: r.Problems(), Warnings: r.Warnings}
	if !r.Passed {
		q.State = "failed"
		if prev.State == "approved" {
			q.State, q.ApprovedBy, q.ApprovedAt, q.Note = prev.State, prev.ApprovedBy, prev.ApprovedAt, prev.Note
		}
	}
	return q
}
