package controller

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/vodedge/vodedge/origin/pipeline"

	"github.com/vodedge/vodedge/origin/qc"
)

// contentScanners are the built-in source scanners: defects, markers,
// photosensitivity unless it is off, then the --scanner plug-ins.
func (s *Server) contentScanners() []qc.Scanner {
	ff, th := s.cfg.Transcode.FFmpeg, s.cfg.QC
	out := []qc.Scanner{qc.Defects{FFmpeg: ff, Thresholds: th}, qc.Markers{FFmpeg: ff}}
	if th.Flashes != qc.FlashOff {
		out = append(out, qc.Flashes{FFmpeg: ff, Thresholds: th})
	}
	for _, u := range s.cfg.Scanners {
		out = append(out, qc.Plugin{URL: u, FFmpeg: ff})
	}
	return out
}

// validScanners checks the scanner plug-ins' URLs.
func validScanners(urls []string) error {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: scanner %q: want an http:// or https:// URL", ErrConfig, raw)
		}
	}
	return nil
}

// scanError marks what retrying a scanner cannot fix (an answer that
// breaks the plug-in contract) as permanent.
func scanError(name string, err error) error {
	err = fmt.Errorf("scanner %s: %w", name, err)
	if errors.Is(err, qc.ErrBadAnswer) {
		return pipeline.Permanent(err)
	}
	return err
}

// viewerWarnings are the advisories a report gives viewers: one per
// kind of flashing found, whatever the flash action (a held title that
// an operator approves still carries it).
func viewerWarnings(r qc.Report) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if f.Scanner != (qc.Flashes{}).Name() || seen[f.Check] {
			continue
		}
		seen[f.Check] = true
		what := "flashing lights"
		if f.Check == qc.CheckRedFlash {
			what = "flashing red lights"
		}
		out = append(out, fmt.Sprintf("photosensitivity: contains %s (from %s) that may affect photosensitive viewers", what, minsec(f.Start)))
	}
	return out
}

func minsec(sec float64) string {
	s := int(sec)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
