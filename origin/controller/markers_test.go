package controller_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

func put(t *testing.T, url, body string) (int, string) {
	t.Helper()
	code, b := send(t, http.MethodPut, url, "application/json", []byte(body))
	return code, string(b)
}

// TestMarkersDetectedAndEdited: an episode-like source (fast-cut intro,
// a black and silent gap, the body, a gap, credits on black) gets
// "skip intro" and "next episode" markers in the catalogue and the
// public catalogue; an operator replaces them through the API, which
// refuses markers outside the title or overlapping.
func TestMarkersDetectedAndEdited(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.QC.BlackFail, cfg.QC.SilenceFail, cfg.QC.FreezeFail = 0, 0, 0 // the gaps and still scenes are the point
	e := start(t, cfg, testDeps())
	vf, af := mediatest.Episode()
	res := e.ingest(mediatest.Filtered(t, 16, vf, af), catalog.Metadata{Title: "Episode"})
	e.wait(res.Job.ID, pipeline.Done)
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	m := title.Markers
	if m == nil || m.Intro == nil || m.Credits == nil {
		t.Fatalf("markers %+v", m)
	}
	if m.Intro.Start != 0 || m.Intro.End < 3.4 || m.Intro.End > 3.8 || m.Intro.Source != catalog.MarkerDetected || m.Intro.Confidence < 0.5 {
		t.Errorf("intro %+v; want detected 0–3.6 s", m.Intro)
	}
	if m.Credits.Start < 11.4 || m.Credits.Start > 11.8 || m.Credits.Source != catalog.MarkerDetected {
		t.Errorf("credits %+v; want detected from 11.6 s", m.Credits)
	}
	var pub struct{ Markers *catalog.Markers }
	getJSON(t, e.url+"/public/v1/titles/"+id, &pub)
	if pub.Markers == nil || pub.Markers.Intro == nil || pub.Markers.Credits == nil {
		t.Errorf("public markers %+v", pub.Markers)
	}

	url := e.url + "/v1/titles/" + id + "/markers"
	bad := []struct{ body, want string }{
		{`{"intro":{"start":0,"end":99}}`, "intro end 99 is past the end of the title"},
		{`{"intro":{"start":5,"end":2}}`, "intro end 2 must be after its start 5"},
		{`{"intro":{"start":-1,"end":2}}`, "intro start -1 is negative"},
		{`{"credits":{"start":16.5}}`, "credits start 16.5 is at or past the end"},
		{`{"intro":{"start":0,"end":12},"credits":{"start":11}}`, "overlaps the credits"},
		{`{"intro":"soon"}`, "JSON body"},
		{`{"outro":{}}`, "unknown field"},
	}
	for _, b := range bad {
		if code, body := put(t, url, b.body); code != 400 || !strings.Contains(body, b.want) {
			t.Errorf("PUT %s: %d %s; want 400 naming %q", b.body, code, body, b.want)
		}
	}
	if code, body := put(t, e.url+"/v1/titles/nope/markers", `{}`); code != 404 {
		t.Errorf("unknown title: %d %s", code, body)
	}
	// A client that sets the credits sends the detected intro back as
	// it read it: the intro stays the detection's.
	keep := fmt.Sprintf(`{"intro":{"start":%v,"end":%v},"credits":{"start":12}}`, m.Intro.Start, m.Intro.End)
	if code, body := put(t, url, keep); code != 200 {
		t.Fatalf("credits beside the unchanged intro: %d %s", code, body)
	}
	title = e.title(id, func(t *catalog.Title) bool {
		return t.Markers != nil && t.Markers.Credits != nil && t.Markers.Credits.Start == 12
	})
	if i, c := title.Markers.Intro, title.Markers.Credits; *i != *m.Intro || c.Source != catalog.MarkerOperator || c.Confidence != 1 {
		t.Errorf("after setting the credits: intro %+v (want %+v unchanged), credits %+v", i, m.Intro, c)
	}
	if code, body := put(t, url, `{"intro":{"start":0.5,"end":3},"credits":{"start":12}}`); code != 200 {
		t.Fatalf("valid markers: %d %s", code, body)
	}
	title = e.title(id, func(t *catalog.Title) bool {
		return t.Markers != nil && t.Markers.Intro != nil && t.Markers.Intro.Start == 0.5
	})
	if i, c := title.Markers.Intro, title.Markers.Credits; i.End != 3 || i.Source != catalog.MarkerOperator || i.Confidence != 1 || c == nil || c.Start != 12 {
		t.Errorf("edited markers %+v %+v", i, c)
	}
	getJSON(t, e.url+"/public/v1/titles/"+id, &pub)
	if pub.Markers == nil || pub.Markers.Intro == nil || pub.Markers.Intro.Start != 0.5 {
		t.Errorf("public markers after the edit %+v", pub.Markers)
	}
}
