package controller_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestImportWithoutFFmpeg: a controller started without ffmpeg
// (TranscodeOptional) refuses uploads with 503 and publishes a
// pre-packaged title through Import, served from its store like any
// other, readable by browser players on other origins.
func TestImportWithoutFFmpeg(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-ffmpeg")
	cfg := configWith(t.TempDir(), missing, missing)
	cfg.TranscodeOptional = true
	e := start(t, cfg, controller.Deps{})
	_, err := e.cli.Ingest(context.Background(), strings.NewReader("not a video"), "x.mp4", catalog.Metadata{Title: "x"})
	if !client.IsStatus(err, http.StatusServiceUnavailable) {
		t.Fatalf("ingest without ffmpeg: %v, want 503", err)
	}
	res, err := e.srv.Import(context.Background(), catalog.Metadata{Title: "Test pattern", Tags: []string{"demo"}}, origin.SampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	ti := e.title(res.Title.ID, func(ti *catalog.Title) bool { return ti.Status == catalog.Published })
	if len(ti.Files) != 11 || ti.DurationMS != 6000 {
		t.Fatalf("imported title: %d files, %d ms; want 11 files, 6000 ms", len(ti.Files), ti.DurationMS)
	}
	resp, err := http.Get(e.url + "/titles/" + ti.ID + "/360p/index.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "seg-00002.m4s") {
		t.Fatalf("published playlist: %s %q", resp.Status, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("store route: Access-Control-Allow-Origin %q, want * (browser players fall back to the origin)", got)
	}
}
