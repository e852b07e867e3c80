package edge_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }

// testConfig is a standalone node on loopback ports chosen at bind time,
// with a small disk tier in a temporary directory.
func testConfig(t *testing.T) edge.Config {
	cfg := edge.DefaultConfig()
	cfg.Listen, cfg.Admin, cfg.AccessLog = "127.0.0.1:0", "127.0.0.1:0", "off"
	cfg.Cache.RAMBytes, cfg.Cache.ShutdownTimeout = 16<<20, time.Second
	disk := disktier.DefaultConfig(t.TempDir(), 64<<20)
	disk.ScrubBytesPerSec, disk.MinFreeBytes = 0, 0
	cfg.Disk = &disk
	return cfg
}

// running is a node whose Run is in progress.
type running struct {
	*edge.Node
	reg     *prometheus.Registry
	done    chan error
	stopped bool // stop ran: the cleanup's call waits for nothing
}

func start(t *testing.T, cfg edge.Config, deps edge.Deps) *running {
	t.Helper()
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	n, err := edge.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{Node: n, reg: deps.Registry, done: make(chan error, 1)}
	go func() { r.done <- n.Run(context.Background()) }()
	t.Cleanup(func() { r.stop(t) })
	testenv.Eventually(t, 10*time.Second, "the node to be ready", func() bool {
		return status(t, "http://"+n.Addrs().Admin+"/readyz") == http.StatusOK
	})
	return r
}

// stop shuts the node down and checks that Run returned nil.
func (r *running) stop(t *testing.T) {
	if r.stopped {
		return
	}
	r.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-ctx.Done():
	}
}

func status(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("X-Cache"), b
}

// TestNodeServesAndStops assembles a node in Go as `vodedge edge` does
// and serves the embedded sample title from it: a miss, then a RAM hit;
// Shutdown ends Run, and a node runs once.
func TestNodeServesAndStops(t *testing.T) {
	r := start(t, testConfig(t), edge.Deps{})
	url := "http://" + r.Addrs().Public + "/sample/master.m3u8"
	if code, tier, body := get(t, url); code != 200 || tier != "MISS" || len(body) == 0 {
		t.Fatalf("first GET: %d %s %d bytes", code, tier, len(body))
	}
	// The slice enters the RAM tier as its fetch ends, which can be just
	// after the response did: a GET before that is answered from disk.
	testenv.Eventually(t, 10*time.Second, "a RAM hit", func() bool {
		code, tier, _ := get(t, url)
		return code == 200 && tier == "HIT-RAM"
	})
	if ok, detail := r.Ready(); !ok {
		t.Fatalf("not ready: %s", detail)
	}
	r.stop(t)
	if err := r.Run(context.Background()); !errors.Is(err, edge.ErrStopped) {
		t.Fatalf("second Run: %v, want ErrStopped", err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestNewFailsCleanly: a port in use is an error naming the field, and
// New releases what it opened before (the disk tier's directory opens
// again at once).
func TestNewFailsCleanly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := testConfig(t)
	cfg.Admin = busy.Addr().String()
	_, err = edge.New(cfg, edge.Deps{})
	var fe *edge.FieldError
	if !errors.As(err, &fe) || fe.Field != "Admin" {
		t.Fatalf("New with a busy admin port: %v, want a FieldError for Admin", err)
	}
	cfg.Admin = "127.0.0.1:0"
	n, err := edge.New(cfg, edge.Deps{})
	if err != nil {
		t.Fatalf("New after a failed New on the same disk: %v", err)
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestConfigIsValidated: mistakes a Go caller can make are refused
// before anything is opened.
func TestConfigIsValidated(t *testing.T) {
	for name, mut := range map[string]func(*edge.Config){
		"admin on the public address": func(c *edge.Config) { c.Listen, c.Admin = "127.0.0.1:9", "127.0.0.1:9" },
		"TLS without files":           func(c *edge.Config) { c.TLSListen = "127.0.0.1:0" },
		"fill without a disk":         func(c *edge.Config) { c.Disk, c.Fill = nil, edge.DefaultFill(nil) },
		"peer listener on admin": func(c *edge.Config) {
			c.Admin, c.Cluster = "127.0.0.1:9", edge.DefaultCluster()
			c.Cluster.PeerListen = c.Admin
		},
	} {
		cfg := testConfig(t)
		mut(&cfg)
		if _, err := edge.New(cfg, edge.Deps{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
