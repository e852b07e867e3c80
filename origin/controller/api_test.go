package controller_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

// post sends a hand-made multipart upload and returns status and body.
func post(t *testing.T, e *env, token string, parts ...[2]string) (int, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		if p[0] == "file" {
			w, _ := mw.CreateFormFile("file", "upload.mp4")
			data, _ := os.ReadFile(p[1])
			w.Write(data)
			continue
		}
		mw.WriteField(p[0], p[1])
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/v1/titles", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestIngestRejects(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.APITokens = []string{"s3cret-s3cret-s3cret"}
	cfg.MaxUploadBytes = 64 << 10
	e := start(t, cfg, testDeps())
	dir := t.TempDir()
	garbage := mediatest.Garbage(t, dir, "notes.mp4")
	big := filepath.Join(dir, "big.bin")
	os.WriteFile(big, make([]byte, 100<<10), 0o644)
	audio := filepath.Join(dir, "tone.m4a")
	if out, err := run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", audio); err != nil {
		t.Fatal(err, out)
	}
	cases := []struct {
		name, token string
		parts       [][2]string
		status      int
		reason      string
	}{
		{"no token", "", [][2]string{{"title", "x"}, {"file", garbage}}, 401, "Bearer"},
		{"wrong token", "nope", [][2]string{{"title", "x"}, {"file", garbage}}, 401, "Bearer"},
		{"not a video", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}, {"file", garbage}}, 422, "Invalid data found"},
		{"audio only", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}, {"file", audio}}, 422, "no video stream"},
		{"no title", "s3cret-s3cret-s3cret", [][2]string{{"description", "d"}, {"file", garbage}}, 400, "title is required"},
		{"bad year", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}, {"year", "soon"}, {"file", garbage}}, 400, "year"},
		{"unknown field", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}, {"color", "red"}, {"file", garbage}}, 400, "unknown field"},
		{"no file", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}}, 400, "no file part"},
		{"too large", "s3cret-s3cret-s3cret", [][2]string{{"title", "x"}, {"file", big}}, 413, "larger than"},
	}
	for _, c := range cases {
		status, body := post(t, e, c.token, c.parts...)
		if status != c.status || !strings.Contains(body, c.reason) {
			t.Errorf("%s: %d %s; want %d mentioning %q", c.name, status, body, c.status, c.reason)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(cfg.DataDir, "uploads")); len(left) != 0 {
		t.Errorf("rejected uploads left on disk: %v", left)
	}
	if n := testenv.Metric(t, e.reg, "vodedge_origin_ingests_total"); n != 7 {
		t.Errorf("ingests_total = %v, want 7 rejected (401s never reach ingest)", n)
	}
}

// TestSearchAPI ingests three titles and searches them over HTTP.
func TestSearchAPI(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180})
	titles := []catalog.Metadata{
		{Title: "Deep Space Nine", Description: "A station near a wormhole.", Tags: []string{"scifi"}, Year: 1993},
		{Title: "Kitchen Stories", Description: "Cooking for astronauts in space.", Tags: []string{"food"}, Year: 2003},
		{Title: "The Garden", Description: "Plants.", Tags: []string{"nature", "space"}, Year: 2020},
	}
	ids := map[string]string{}
	for _, m := range titles {
		ids[e.ingest(src, m).Title.ID] = m.Title
	}
	res, err := e.cli.Search(context.Background(), url.Values{"q": {"space"}})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, h := range res.Hits {
		order = append(order, ids[h.ID])
	}
	if strings.Join(order, "|") != "Deep Space Nine|The Garden|Kitchen Stories" || res.Total != 3 {
		t.Errorf("q=space ranked %v (total %d); want title match, then tag, then description", order, res.Total)
	}
	res, _ = e.cli.Search(context.Background(), url.Values{"tag": {"food"}, "year": {"2000-2010"}})
	if len(res.Hits) != 1 || res.Hits[0].Title.Title != "Kitchen Stories" {
		t.Errorf("tag+year filter: %+v", res.Hits)
	}
	for _, bad := range []url.Values{{"year": {"soon"}}, {"limit": {"0"}}, {"colour": {"red"}}, {"status": {"lost"}}, {"min_duration": {"-5"}}} {
		if _, err := e.cli.Search(context.Background(), bad); !client.IsStatus(err, 400) {
			t.Errorf("%v: %v, want 400", bad, err)
		}
	}
	if _, err := e.cli.Title(context.Background(), "nope", false); !client.IsStatus(err, 404) {
		t.Errorf("unknown title: %v", err)
	}
}
