package edge_test

import (
	"compress/gzip"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/testenv"
)

// batchSink takes the shipper's batches on loopback and keeps who sent
// what; every other route of a controller answers 404.
type batchSink struct {
	mu    sync.Mutex
	paths []string // request paths of the batches
	auth  []string
	lines []string
}

func (b *batchSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1/popularity/batches/") {
		http.NotFound(w, r)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	plain, _ := io.ReadAll(zr)
	b.mu.Lock()
	b.paths, b.auth = append(b.paths, r.URL.Path), append(b.auth, r.Header.Get("Authorization"))
	b.lines = append(b.lines, strings.Split(strings.TrimSuffix(string(plain), "\n"), "\n")...)
	b.mu.Unlock()
	io.WriteString(w, `{"duplicate":false}`)
}

func (b *batchSink) has(path string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		if strings.Contains(l, `"path":"`+path+`"`) {
			return true
		}
	}
	return false
}

// TestNodeShipsItsAccessLogBesideItsManifests: with a fill agent, the
// shipper posts to the batch route beside the manifest URL, for this
// node, with the fill token; it stops with the node.
func TestNodeShipsItsAccessLogBesideItsManifests(t *testing.T) {
	sink := &batchSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	pub, _, _ := ed25519.GenerateKey(nil)
	cfg := testConfig(t)
	cfg.Cache.NodeName = "ams-7"
	cfg.AccessLog = filepath.Join(t.TempDir(), "access.log")
	cfg.Fill = edge.DefaultFill(pub)
	cfg.Fill.Agent.ManifestURL, cfg.Fill.Token = srv.URL+"/v1/manifests/ams", "fill-token"
	cfg.Report = edge.DefaultReport()
	cfg.Report.Ship.Every = 20 * time.Millisecond
	r := start(t, cfg, edge.Deps{})
	if code, _, _ := get(t, "http://"+r.Addrs().Public+"/sample/master.m3u8"); code != 200 {
		t.Fatalf("GET: %d", code)
	}
	testenv.Eventually(t, 20*time.Second, "the request's log line to reach the controller", func() bool { return sink.has("/sample/master.m3u8") })
	r.stop(t)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.paths[0] != "/v1/popularity/batches/ams-7" || sink.auth[0] != "Bearer fill-token" {
		t.Errorf("batch posted to %s with %q", sink.paths[0], sink.auth[0])
	}
}

func TestReportNeedsALogFileAndAController(t *testing.T) {
	for name, mut := range map[string]func(*edge.Config){
		"log to stdout": func(c *edge.Config) {
			c.AccessLog = "-"
			c.Report.Ship.URL = "http://127.0.0.1:1/v1/popularity/batches/n"
		},
		"no controller": func(c *edge.Config) { c.AccessLog = filepath.Join(t.TempDir(), "a.log") },
	} {
		cfg := testConfig(t)
		cfg.Report = edge.DefaultReport()
		mut(&cfg)
		_, err := edge.New(cfg, edge.Deps{})
		var fe *edge.FieldError
		if !errors.As(err, &fe) || fe.Field != "Report" {
			t.Errorf("%s: %v, want a FieldError for Report", name, err)
		}
	}
}
