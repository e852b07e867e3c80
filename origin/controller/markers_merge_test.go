package controller

import (
	"testing"

	"github.com/vodedge/vodedge/origin/catalog"
)

func TestMergeMarkersKeepsTheOperators(t *testing.T) {
	op := &catalog.Marker{Start: 0, End: 30, Confidence: 1, Source: catalog.MarkerOperator}
	det := &catalog.Markers{
		Intro:   &catalog.Marker{Start: 0, End: 50, Confidence: 0.6, Source: catalog.MarkerDetected},
		Credits: &catalog.Marker{Start: 20, Confidence: 0.5, Source: catalog.MarkerDetected},
	}
	got := mergeMarkers(&catalog.Markers{Intro: op}, det)
	if got.Intro != op || got.Credits != nil {
		t.Errorf("operator intro 0–30 with detected credits from 20: %+v %+v; want the operator's intro, no credits", got.Intro, got.Credits)
	}
	old := &catalog.Markers{Intro: &catalog.Marker{Start: 1, End: 2, Source: catalog.MarkerDetected}}
	if got := mergeMarkers(old, nil); got != nil {
		t.Errorf("an old detection with nothing detected now: %+v; want none", got)
	}
	if got := mergeMarkers(nil, det); got != det {
		t.Errorf("first detection: %+v", got)
	}
}
