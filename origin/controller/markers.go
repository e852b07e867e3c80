package controller

import (
	"net/http"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/qc"
)

// detectedMarkers are the markers the qc step's Markers scanner found.
func detectedMarkers(r qc.Report) *catalog.Markers {
	var m catalog.Markers
	for _, f := range r.Findings {
		if f.Scanner != (qc.Markers{}).Name() {
			continue
		}
		switch f.Check {
		case qc.CheckIntro:
			m.Intro = &catalog.Marker{Start: f.Start, End: f.End, Confidence: f.Value, Source: catalog.MarkerDetected}
		case qc.CheckCredits:
			m.Credits = &catalog.Marker{Start: f.Start, Confidence: f.Value, Source: catalog.MarkerDetected}
		}
	}
	if m.Intro == nil && m.Credits == nil {
		return nil
	}
	return &m
}

// mergeMarkers keeps what an operator set and takes the rest from a
// new detection.
func mergeMarkers(prev, det *catalog.Markers) *catalog.Markers {
	if prev == nil {
		return det
	}
	out := catalog.Markers{}
	if det != nil {
		out = *det
	}
	if prev.Intro != nil && prev.Intro.Source == catalog.MarkerOperator {
		out.Intro = prev.Intro
	}
	if prev.Credits != nil && prev.Credits.Source == catalog.MarkerOperator {
		out.Credits = prev.Credits
	}
	if out.Intro == nil && out.Credits == nil {
		return nil
	}
	if out.Intro != nil && out.Credits != nil && out.Credits.Start < out.Intro.End {
		// An operator's marker and a detected one overlap: the
		// operator's wins.
		if out.Credits.Source == catalog.MarkerOperator {
			out.Intro = nil
		} else {
			out.Credits = nil
		}
	}
	return &out
}

// handlePutMarkers is PUT /v1/titles/{id}/markers: the operator's
// markers replace the title's ({"intro": {start, end}, "credits":
// {start}}; an absent one is removed, an unchanged one keeps its
// source), validated against its length.
func (s *Server) handlePutMarkers(w http.ResponseWriter, r *http.Request) {
	var m catalog.Markers
	if err := decodeBody(r, &m); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.cat.Update(r.PathValue("id"), func(t *catalog.Title) error {
		var cur catalog.Markers
		if t.Markers != nil {
			cur = *t.Markers
		}
		m.Intro, m.Credits = operatorMarker(m.Intro, cur.Intro), operatorMarker(m.Credits, cur.Credits)
		if err := m.Validate(titleSeconds(t)); err != nil {
			return err
		}
		t.Markers = &m
		if m.Intro == nil && m.Credits == nil {
			t.Markers = nil
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// operatorMarker is a marker sent by an operator: theirs (confidence
// 1), unless it is the title's current one unchanged (a client that
// sets one marker sends the other back as it read it), which keeps its
// source and confidence.
func operatorMarker(sent, cur *catalog.Marker) *catalog.Marker {
	if sent == nil {
		return nil
	}
	if cur != nil && sent.Start == cur.Start && sent.End == cur.End {
		return cur
	}
	return &catalog.Marker{Start: sent.Start, End: sent.End, Confidence: 1, Source: catalog.MarkerOperator}
}

// titleSeconds is a title's length: the packaged one, else the
// source's; 0 when neither is known.
func titleSeconds(t *catalog.Title) float64 {
	if t.DurationMS > 0 {
		return float64(t.DurationMS) / 1000
	}
	if t.Source.Probe != nil {
		return t.Source.Probe.Duration.Seconds()
	}
	return 0
}
