package edge

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestRestorerPostsOncePerTitle: many archived answers of one title
// cost one POST /v1/restores (with the node's token and the key); a
// second title gets its own; a refused post is counted as failed.
func TestRestorerPostsOncePerTitle(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/restores" || r.Header.Get("Authorization") != "Bearer node-token-0123456789" {
			http.Error(w, "bad call", http.StatusBadRequest)
			return
		}
		mu.Lock()
		keys = append(keys, r.URL.Query().Get("key"))
		mu.Unlock()
		if r.URL.Query().Get("key") == "titles/gone/master.m3u8" {
			http.Error(w, "no such title", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ctl.Close()
	reg := prometheus.NewRegistry()
	u := restoreURL(ctl.URL + "/v1/manifests/ams")
	r, err := newRestorer(u, controllerClient("node-token-0123456789"), time.Hour, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	calls := func(result string) float64 {
		return testenv.Metric(t, reg, "vodedge_edge_restore_requests_total", "result", result)
	}
	sent := 0
	for _, k := range []string{"/titles/a/master.m3u8", "/titles/a/v/seg-00001.m4s", "/titles/a/v/seg-00002.m4s", "/titles/b/master.m3u8", "/titles/a/v/init.mp4", "/titles/gone/master.m3u8"} {
		r.keys <- k // the queue holds them all: nothing is dropped
		sent++
	}
	testenv.Eventually(t, 10*time.Second, "every key handled", func() bool {
		return calls("posted")+calls("repeated")+calls("failed") == float64(sent)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 3 || keys[0] != "titles/a/master.m3u8" || keys[1] != "titles/b/master.m3u8" || keys[2] != "titles/gone/master.m3u8" {
		t.Errorf("posted keys %q, want one per title", keys)
	}
	if calls("posted") != 2 || calls("repeated") != 3 || calls("failed") != 1 {
		t.Errorf("posted %v repeated %v failed %v", calls("posted"), calls("repeated"), calls("failed"))
	}
}

// TestRestorerDropsWhenFull: notify never blocks; a full queue drops
// and counts.
func TestRestorerDropsWhenFull(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := &restorer{keys: make(chan string, 1)}
	r.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_edge_restore_requests_total"}, []string{"result"})
	reg.MustRegister(r.calls)
	r.notify("/titles/a/x")
	r.notify("/titles/a/y")
	if got := testenv.Metric(t, reg, "vodedge_edge_restore_requests_total", "result", "dropped"); got != 1 {
		t.Errorf("dropped %v, want 1", got)
	}
}

func TestRestoreURLAndTitleKey(t *testing.T) {
	if got := restoreURL("https://ctl:8080/v1/manifests/ams"); got != "https://ctl:8080/v1/restores" {
		t.Errorf("restoreURL: %q", got)
	}
	if got := restoreURL("https://ctl:8080/manifest"); got != "" {
		t.Errorf("restoreURL without /v1/manifests/: %q", got)
	}
	for in, want := range map[string]string{"/titles/a/v/seg.m4s": "titles/a", "titles/b/master.m3u8": "titles/b", "/other/x": "other/x", "/titles/": "titles/"} {
		if got := titleKey(in); got != want {
			t.Errorf("titleKey(%q) = %q, want %q", in, got, want)
		}
	}
}
