package controller_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/popularity"
)

// TestNewReleasePrior: expected_plays on ingest and PATCH (a 400 naming
// the field when it is not a number ≥ 0), the title's popularity view,
// and the site's manifest ranking a new release by its prior.
func TestNewReleasePrior(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cfg := testConfig(t, t.TempDir())
	cfg.ManifestKey = priv
	cfg.Sites = []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{{Name: "ams-1", Weight: 1, Capacity: 1 << 30}}}}
	e := start(t, cfg, testDeps())
	garbage := mediatest.Garbage(t, t.TempDir(), "notes.mp4")
	for _, c := range []struct {
		name  string
		parts [][2]string
	}{
		{"not a number", [][2]string{{"title", "x"}, {"expected_plays", "lots"}, {"file", garbage}}},
		{"negative", [][2]string{{"title", "x"}, {"expected_plays", "-3"}, {"file", garbage}}},
		{"NaN", [][2]string{{"title", "x"}, {"expected_plays", "NaN"}, {"file", garbage}}},
		{"a string in the metadata JSON", [][2]string{{"metadata", `{"title":"x","expected_plays":"many"}`}, {"file", garbage}}},
	} {
		if status, body := post(t, e, "", c.parts...); status != 400 || !strings.Contains(body, "expected_plays") {
			t.Errorf("ingest, %s: %d %s; want 400 naming expected_plays", c.name, status, body)
		}
	}

	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180})
	back := e.ingest(src, catalog.Metadata{Title: "Back", Tags: []string{"drama"}})
	premiere := e.ingest(src, catalog.Metadata{Title: "Premiere", Tags: []string{"drama"}, ExpectedPlays: 400})
	e.wait(back.Job.ID, pipeline.Done)
	e.wait(premiere.Job.ID, pipeline.Done)
	backTitle := e.title(back.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	e.title(premiere.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	var logs strings.Builder
	for _, f := range backTitle.Files { // Back is watched at ams today
		fmt.Fprintf(&logs, `{"time":%q,"method":"GET","path":"/%s","status":200,"bytes":%d,"site":"ams"}`+"\n",
			time.Now().UTC().Format(time.RFC3339), strings.TrimPrefix(f.Key, "/"), 5*f.Size)
	}
	if _, err := e.cli.PostLogs(context.Background(), strings.NewReader(logs.String())); err != nil {
		t.Fatal(err)
	}

	view := titleView(t, e, premiere.Title.ID, "ams")
	if p := view.Popularity; p == nil || p.Prior.Source != popularity.FromExpected || p.Prior.Plays != 400 || p.PriorWeight != 1 || p.Effective != 400 || view.ExpectedPlays != 400 {
		t.Fatalf("premiere's popularity %+v (expected_plays %v): want the operator's 400 plays a day, whole", view.Popularity, view.ExpectedPlays)
	}
	if first := firstTitle(t, e, pub); first != premiere.Title.ID {
		t.Errorf("with its prior, the manifest's first group is %s's, want the premiere's", first)
	}
	if code, body := get(t, e, "/public/v1/titles/"+premiere.Title.ID); code != 200 || strings.Contains(string(body), "expected_plays") {
		t.Errorf("public title: %d %s; want 200 without the operator's expected plays", code, body)
	}

	for _, bad := range []string{`{"expected_plays":-1}`, `{"expected_plays":"x"}`, `{"expected_plays":1e400}`} {
		if code, body := patch(t, e, premiere.Title.ID, bad); code != 400 || !strings.Contains(body, "expected_plays") {
			t.Errorf("PATCH %s: %d %s; want 400 naming expected_plays", bad, code, body)
		}
	}
	if code, body := patch(t, e, premiere.Title.ID, `{"expected_plays":0}`); code != 200 {
		t.Fatalf("PATCH expected_plays 0: %d %s", code, body)
	}
	// No operator figure, and no comparable title has a launch yet (both
	// were published today): no prior, and the watched title comes first.
	view = titleView(t, e, premiere.Title.ID, "ams")
	if p := view.Popularity; p == nil || p.Prior.Source != popularity.FromNone || p.Effective != 0 {
		t.Errorf("premiere's popularity without expected plays %+v, want no prior", view.Popularity)
	}
	if first := firstTitle(t, e, pub); first != back.Title.ID {
		t.Errorf("without a prior, the manifest's first group is %s's, want the watched title's", first)
	}
}

func titleView(t *testing.T, e *env, id, site string) controller.TitleView {
	code, body := get(t, e, "/v1/titles/"+id+"?site="+site)
	var v controller.TitleView
	if err := json.Unmarshal(body, &v); code != 200 || err != nil {
		t.Fatalf("GET title: %d %s (%v)", code, body, err)
	}
	return v
}

func patch(t *testing.T, e *env, id, body string) (int, string) {
	req, _ := http.NewRequest(http.MethodPatch, e.url+"/v1/titles/"+id, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// firstTitle is the title of the ams manifest's first-priority entry.
func firstTitle(t *testing.T, e *env, pub ed25519.PublicKey) string {
	code, raw := getManifest(t, e, "ams")
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, raw)
	}
	m, err := manifest.Expand(bytes.NewReader(raw), pub, func(hash string) ([]manifest.File, error) {
		code, b := get(t, e, "/v1/indexes/"+hash)
		if code != 200 {
			return nil, fmt.Errorf("index %s: %d", hash, code)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		plain, _ := io.ReadAll(zr)
		return manifest.VerifyIndex(plain, hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range m.Entries {
		if en.Priority == 1 {
			id, _, _ := strings.Cut(strings.TrimPrefix(en.Key, "/titles/"), "/")
			return id
		}
	}
	t.Fatal("no first entry in the manifest")
	return ""
}
