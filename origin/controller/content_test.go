package controller_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/qc"
)

// flashingSource flashes white and black at 6 Hz over 1–3 s of 4 s.
func flashingSource(t *testing.T) string {
	return mediatest.Filtered(t, 4, mediatest.Flashing("white", "black", 1, 3), "")
}

// TestFlashesWarnViewers: in warn mode a flashing source is published,
// its QC report locates the flashing, and the title carries a viewer
// warning in the operator's and the public catalogue.
func TestFlashesWarnViewers(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.QC.Flashes = qc.FlashWarn
	e := start(t, cfg, testDeps())
	res := e.ingest(flashingSource(t), catalog.Metadata{Title: "Strobe"})
	e.wait(res.Job.ID, pipeline.Done)
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	if len(title.ViewerWarnings) != 1 || !strings.Contains(title.ViewerWarnings[0], "flashing lights (from 0:01)") {
		t.Errorf("viewer warnings %q", title.ViewerWarnings)
	}
	rep, err := e.cli.QC(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var flash *qc.Finding
	for i, f := range rep.Findings {
		if f.Check == qc.CheckFlash {
			flash = &rep.Findings[i]
		}
	}
	if flash == nil || flash.Severity != qc.Warning || flash.Start < 0.9 || flash.Start > 1.2 || flash.End < 2.7 || flash.End > 3.1 {
		t.Errorf("flash finding %+v; want a warning over about 1–3 s", flash)
	}
	var pub struct {
		ViewerWarnings []string `json:"viewer_warnings"`
	}
	getJSON(t, e.url+"/public/v1/titles/"+id, &pub)
	if len(pub.ViewerWarnings) != 1 {
		t.Errorf("public catalogue's viewer warnings %q", pub.ViewerWarnings)
	}
}

// TestFlashesHoldTitle: in hold mode (the default) the same source is
// held for approval, the flashing named among the problems.
func TestFlashesHoldTitle(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	res := e.ingest(flashingSource(t), catalog.Metadata{Title: "Strobe"})
	j := e.wait(res.Job.ID, pipeline.Held)
	if s := j.Step("publish"); !strings.Contains(s.Error, "flashing at up to") {
		t.Errorf("publish step %+v", s)
	}
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Held })
	if title.QC.State != "failed" || len(title.ViewerWarnings) != 1 {
		t.Errorf("held title: QC %+v, viewer warnings %q", title.QC, title.ViewerWarnings)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
}
