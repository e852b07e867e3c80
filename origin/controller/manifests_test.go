package controller_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

func getManifest(t *testing.T, e *env, site string) (int, []byte) {
	return get(t, e, "/v1/manifests/"+site)
}

func get(t *testing.T, e *env, path string) (int, []byte) {
	resp, err := http.Get(e.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestSiteManifest publishes a title, feeds popularity for one file of
// it, and checks the signed manifest: every file with its size and
// checksum, the popular one first, copies assigned to the site's nodes,
// and a stable version while nothing changes.
func TestSiteManifest(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cfg := testConfig(t, t.TempDir())
	cfg.ManifestKey = priv
	cfg.Sites = []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{
		{Name: "ams-1", Weight: 1, Capacity: 1 << 30}, {Name: "ams-2", Weight: 1, Capacity: 1 << 30}, {Name: "ams-3", Weight: 1, Capacity: 1 << 30},
	}}}
	e := start(t, cfg, testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180})
	res := e.ingest(src, catalog.Metadata{Title: "Filled"})
	e.wait(res.Job.ID, pipeline.Done)
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })

	hot := "/" + strings.TrimPrefix(title.Files[len(title.Files)-1].Key, "/")
	logs := fmt.Sprintf(`{"time":%q,"method":"GET","path":%q,"status":200,"bytes":%d,"site":"ams"}`+"\n",
		time.Now().UTC().Format(time.RFC3339), hot, 50*title.Files[len(title.Files)-1].Size)
	if _, err := e.cli.PostLogs(context.Background(), strings.NewReader(logs)); err != nil {
		t.Fatal(err)
	}
	code, raw := getManifest(t, e, "ams")
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, raw)
	}
	fetched := 0
	m, err := manifest.Expand(bytes.NewReader(raw), pub, func(hash string) ([]manifest.File, error) {
		fetched++
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
	// Priority is per group (directory): the hot file's group comes first.
	if len(m.Entries) != len(title.Files) || m.Entries[0].Priority != 1 || m.Site != "ams" || fetched == 0 {
		t.Fatalf("%d entries (want %d), first priority %d, %d indexes", len(m.Entries), len(title.Files), m.Entries[0].Priority, fetched)
	}
	want := map[string]catalog.File{}
	for _, f := range title.Files {
		want["/"+strings.TrimPrefix(f.Key, "/")] = f
	}
	for _, en := range m.Entries {
		f, ok := want[en.Key]
		if !ok || f.Size != en.Size || !manifest.SumMatches(f.SHA256, en.SHA256) || len(en.Nodes) != en.Copies {
			t.Fatalf("entry %+v does not match the catalogue's %+v", en, f)
		}
	}
	for _, en := range m.Entries {
		if en.Key == hot && (en.Copies != 3 || en.Priority != 1) {
			t.Errorf("the most popular file has %d copies and priority %d, want 3 and 1", en.Copies, en.Priority)
		}
	}
	if _, again := getManifest(t, e, "ams"); string(again) != string(raw) {
		t.Error("an unchanged manifest changed version or signature")
	}
	if code, _ := get(t, e, fmt.Sprintf("/v1/manifests/ams?base=%d", m.Version)); code != http.StatusNotModified {
		t.Errorf("a poll for the current version: %d, want 304", code)
	}
	if code, _ := get(t, e, "/v1/indexes/"+strings.Repeat("0", 64)); code != http.StatusNotFound {
		t.Errorf("an unknown index: %d", code)
	}
	if code, _ := getManifest(t, e, "fra"); code != 404 {
		t.Errorf("unknown site: %d", code)
	}
}
