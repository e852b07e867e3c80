package steering

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

func signedManifest(t *testing.T, key ed25519.PrivateKey, site string, version int64, files map[string][]string) []byte {
	t.Helper()
	m := &manifest.Manifest{Version: version, Site: site, Created: time.Unix(version, 0)}
	for k, nodes := range files {
		m.Entries = append(m.Entries, manifest.Entry{Key: k, Size: 1, SHA256: strings.Repeat("a", 64), Priority: 1, Copies: len(nodes), Nodes: nodes})
	}
	b, err := manifest.Sign(m, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A site's fill manifest, polled from a controller, decides what the site
// holds: an unlisted file is a content miss there, a listed one goes to
// the nodes the manifest names.
func TestManifestContent(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var mu sync.Mutex
	served := signedManifest(t, priv, "ams", 10, map[string][]string{"/t/one": {"ams-3"}, "/t/two": {"ams-2", "ams-1"}})
	controller := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" || r.URL.Path != "/v1/manifests/ams" {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		w.Write(served)
	}))
	defer controller.Close()

	mc, err := NewManifestContent(ManifestConfig{URL: controller.URL, PublicKey: pub, Token: "tok", PollEvery: 20 * time.Millisecond}, []string{"ams", "fra"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	testenv.Eventually(t, 3*time.Second, "the manifest is loaded", func() bool { _, known := mc.Holders("ams", "/t/x"); return known })
	if _, known := mc.Holders("fra", "/t/one"); known {
		t.Error("fra (no manifest) is known")
	}

	env := newTestEnv(t, nil)
	env.e.content = mc
	fra := func(f string) string { return owner(f, "fra-1", "fra-2") }
	for file, want := range map[string]string{
		"/t/one":  "best: ams-3 " + fra("/t/one") + " origin",
		"/t/rare": "content_miss: " + fra("/t/rare") + " origin",
	} {
		if got := nodes(env.decide("10.1.2.3", file)); got != want {
			t.Errorf("%s: %s, want %s", file, got, want)
		}
	}
	if d := env.decide("10.1.2.3", "/t/two"); d.Candidates[0].Site != "ams" || d.Candidates[1].Site != "ams" || d.Outcome != OutcomeBest {
		t.Errorf("/t/two: %s", nodes(d))
	}

	// A newer manifest replaces it; an older or forged one does not.
	mu.Lock()
	served = signedManifest(t, priv, "ams", 11, map[string][]string{"/t/rare": {"ams-1"}})
	mu.Unlock()
	testenv.Eventually(t, 3*time.Second, "the newer manifest is loaded", func() bool { n, _ := mc.Holders("ams", "/t/rare"); return len(n) == 1 })
	if ok, err := mc.Load(signedManifest(t, priv, "ams", 9, nil)); ok || err != nil {
		t.Errorf("an older manifest: %v %v", ok, err)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := mc.Load(signedManifest(t, other, "ams", 99, nil)); err == nil {
		t.Error("a manifest signed with another key was loaded")
	}
	if _, err := mc.Load(signedManifest(t, priv, "lon", 99, nil)); err == nil {
		t.Error("a manifest for an unknown site was loaded")
	}
}
