package controller_test

import (
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
	resp, err := http.Get(e.url + "/v1/manifests/" + site)
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
	m, err := manifest.Open(raw, pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != len(title.Files) || m.Entries[0].Key != hot || m.Site != "ams" {
		t.Fatalf("%d entries (want %d), first %s (want %s)", len(m.Entries), len(title.Files), m.Entries[0].Key, hot)
	}
	want := map[string]catalog.File{}
	for _, f := range title.Files {
		want["/"+strings.TrimPrefix(f.Key, "/")] = f
	}
	for _, en := range m.Entries {
		f, ok := want[en.Key]
		if !ok || f.Size != en.Size || f.SHA256 != en.SHA256 || len(en.Nodes) != en.Copies {
			t.Fatalf("entry %+v does not match the catalogue's %+v", en, f)
		}
	}
	if m.Entries[0].Copies != 3 {
		t.Errorf("the most popular file has %d copies, want 3", m.Entries[0].Copies)
	}
	if _, again := getManifest(t, e, "ams"); string(again) != string(raw) {
		t.Error("an unchanged manifest changed version or signature")
	}
	if code, _ := getManifest(t, e, "fra"); code != 404 {
		t.Errorf("unknown site: %d", code)
	}
}
