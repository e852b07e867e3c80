package steering

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestColdTitlesAreFlagged: steering lists the controller's cold titles
// at each poll and its JSON answers for their files say "restoring" with
// a retry_after; a title that becomes hot again loses the flag.
func TestColdTitlesAreFlagged(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	doc := signedManifest(t, priv, "ams", 1, map[string][]string{"/titles/hot/master.m3u8": {"ams-1"}})
	var cold atomic.Value
	cold.Store(`{"total":1,"hits":[{"id":"old"}]}`)
	controller := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer tok":
			http.Error(w, "no", http.StatusUnauthorized)
		case r.URL.Path == "/v1/manifests/ams":
			w.Write(doc)
		case r.URL.Path == "/v1/titles" && r.URL.Query().Get("class") == "cold" && r.URL.Query().Get("status") == "published":
			w.Write([]byte(cold.Load().(string)))
		default:
			http.Error(w, "no", http.StatusNotFound)
		}
	}))
	defer controller.Close()
	mc, err := NewManifestContent(ManifestConfig{URL: controller.URL, PublicKey: pub, Token: "tok", PollEvery: 20 * time.Millisecond}, []string{"ams"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	testenv.Eventually(t, 3*time.Second, "the cold titles are listed", func() bool { return mc.Restoring("/titles/old/v/seg-1.m4s") })
	for _, f := range []string{"/titles/hot/master.m3u8", "/titles/older/master.m3u8", "/old/master.m3u8", "/titles/"} {
		if mc.Restoring(f) {
			t.Errorf("%s flagged as restoring", f)
		}
	}

	s := newTestService(t)
	s.content = mc
	resp := serveOnce(t, s, "GET", "/v1/steer?file=/titles/old/master.m3u8&file=/titles/hot/master.m3u8", "192.0.2.1")
	body := string(resp.Body())
	old, hot, _ := strings.Cut(body, `"file":"/titles/hot/`)
	if resp.StatusCode() != 200 || !strings.Contains(old, `"restoring":true,"retry_after":60}`) || strings.Contains(hot, "restoring") {
		t.Fatalf("answers: %d %s", resp.StatusCode(), body)
	}
	if r := serveOnce(t, s, "GET", "/titles/old/master.m3u8", "192.0.2.1"); r.StatusCode() != 302 {
		t.Errorf("the redirect of a cold title's file: %d, want 302 (the request that reaches a node starts the restore)", r.StatusCode())
	}

	cold.Store(`{"total":0,"hits":[]}`)
	testenv.Eventually(t, 3*time.Second, "the restored title loses its flag", func() bool { return !mc.Restoring("/titles/old/master.m3u8") })
}
