package controller_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

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

// TestImportRefusesBadDurations: an #EXTINF duration that is not a
// number from 0 to an hour — NaN and infinities included, which pass
// any bound written as "secs < 0 || secs > max" — fails the import with
// an error naming the playlist line, and creates no title.
func TestImportRefusesBadDurations(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-ffmpeg")
	cfg := configWith(t.TempDir(), missing, missing)
	cfg.TranscodeOptional = true
	e := start(t, cfg, controller.Deps{})
	for _, d := range []string{"NaN", "nan", "+Inf", "-Inf", "Infinity", "-1", "1e400", "3601", "0x1p-2x", ""} {
		src := fstest.MapFS{
			"master.m3u8":        {Data: []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n")},
			"360p/index.m3u8":    {Data: []byte("#EXTM3U\n#EXTINF:2.000,\nseg-00000.m4s\n#EXTINF:" + d + ",\nseg-00001.m4s\n#EXT-X-ENDLIST\n")},
			"360p/seg-00000.m4s": {Data: []byte("x")},
		}
		_, err := e.srv.Import(context.Background(), catalog.Metadata{Title: "Bad " + d}, src)
		if err == nil || !strings.HasPrefix(err.Error(), "bad request: import: 360p/index.m3u8 line 4: #EXTINF duration") {
			t.Errorf("EXTINF %q: %v, want a 400 naming line 4", d, err)
		}
	}
	if res, err := e.cli.Search(context.Background(), nil); err != nil || res.Total != 0 {
		t.Errorf("titles after refused imports: %v, %v", res, err)
	}
}
