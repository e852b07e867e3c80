package controller_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestQCHoldsThenApproval ingests a source with a black stretch and a
// silent one: QC finds both, the publish step is held and nothing is
// published, until an operator approves through the API.
func TestQCHoldsThenApproval(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180, Black: [2]float64{1.5, 3}, Silence: [2]float64{0.8, 2.6}})
	res := e.ingest(src, catalog.Metadata{Title: "Defective"})
	j := e.wait(res.Job.ID, pipeline.Held)
	if s := j.Step("publish"); s.State != pipeline.Held || !strings.Contains(s.Error, "black picture") {
		t.Errorf("publish step %+v", s)
	}
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Held })
	if title.QC.State != "failed" || len(title.Files) != 0 || len(title.QC.Problems) < 2 {
		t.Errorf("held title %+v", title.QC)
	}
	rep, err := e.cli.QC(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			checks[f.Check] = true
		}
	}
	if rep.Passed || !checks["black"] || !checks["silence"] {
		t.Errorf("report %+v", rep)
	}
	if _, err := e.cli.Approve(context.Background(), "nope", "ops", ""); !client.IsStatus(err, 404) {
		t.Errorf("approve unknown: %v", err)
	}
	if _, err := e.cli.Approve(context.Background(), id, "alice", "intentional fade"); err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	title = e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	if title.QC.State != "approved" || title.QC.ApprovedBy != "alice" || len(title.Files) == 0 {
		t.Errorf("approved title: %+v", title.QC)
	}
	if _, err := e.cli.Approve(context.Background(), id, "bob", ""); !client.IsStatus(err, 409) {
		t.Errorf("second approval: %v", err)
	}
}
