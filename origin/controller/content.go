package controller

import (
	"fmt"

	"github.com/vodedge/vodedge/origin/qc"
)

// contentScanners are the built-in source scanners: defects, then
// photosensitivity unless it is off.
func (s *Server) contentScanners() []qc.Scanner {
	ff, th := s.cfg.Transcode.FFmpeg, s.cfg.QC
	out := []qc.Scanner{qc.Defects{FFmpeg: ff, Thresholds: th}}
	if th.Flashes != qc.FlashOff {
		out = append(out, qc.Flashes{FFmpeg: ff, Thresholds: th})
	}
	return out
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
