package cache

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }

// edge is a running cache.Server on loopback in front of an origin.
type edge struct {
	t    testing.TB
	srv  *Server
	url  string
	reg  *prometheus.Registry
	logs *memLog
}

type memLog struct {
	mu   sync.Mutex
	recs []accesslog.Record
}

func (m *memLog) Log(r accesslog.Record) bool {
	m.mu.Lock()
	m.recs = append(m.recs, r)
	m.mu.Unlock()
	return true
}

func (m *memLog) all() []accesslog.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]accesslog.Record(nil), m.recs...)
}

func testConfig() Config {
	c := DefaultConfig()
	c.RAMBytes = 64 << 20
	c.SliceBytes = 256 << 10
	c.MemfileMinBytes = 0 // memfile.Live is the process's: tests that count it opt in
	c.NegativeTTL = time.Minute
	c.EventLoops = testEventLoops
	return c
}

func startEdge(t testing.TB, cfg Config, org Origin) *edge {
	return startEdgeDisk(t, cfg, org, nil)
}

// startEdgeDisk starts an edge whose disk tier, if openDisk is not nil,
// is what openDisk returns (it registers its metrics on reg); opts edit
// the dependencies (a clock, a forwarder).
func startEdgeDisk(t testing.TB, cfg Config, org Origin, openDisk func(reg prometheus.Registerer) *disktier.Store, opts ...func(*Deps)) *edge {
	t.Helper()
	e := &edge{t: t, reg: prometheus.NewRegistry(), logs: &memLog{}}
	var disk *disktier.Store
	if openDisk != nil {
		disk = openDisk(e.reg)
	}
	deps := Deps{Origin: org, Registerer: e.reg, AccessLog: e.logs, Disk: disk}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.url = srv, "http://"+ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		countLoopStats(srv)
	})
	return e
}

// ramAndDiskEdges starts two edges with cfg over o: one as configured,
// one with its RAM tier off and a disk tier in a temporary directory,
// so that a test sees the same answers as RAM hits and as disk hits.
func ramAndDiskEdges(t *testing.T, cfg Config, o *testenv.Origin) (ram, disk *edge) {
	t.Helper()
	ram = startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	diskCfg := cfg
	diskCfg.RAMBytes = 0
	disk = startEdgeDisk(t, diskCfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, t.TempDir(), disktier.Deps{}))
	return ram, disk
}

func httpOrigin(t testing.TB, o *testenv.Origin, opts origin.HTTPOptions) *origin.HTTP {
	t.Helper()
	h, err := origin.NewHTTP(o.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// client is a real HTTP/1.1 client with its own pool, closed at cleanup.
// While serving tests run through event loops it opens a connection per
// request, so that each request meets the loop first (a connection
// stays with fasthttp's server after its first hand-off).
func client(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 200, DisableCompression: true, DisableKeepAlives: testEventLoops > 0}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, c *http.Client, method, url string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// rawRequest sends a request line exactly as given (no client-side
// normalization) and returns the status code.
func rawRequest(t testing.TB, addr, target string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	all, _ := io.ReadAll(c)
	line, rest, _ := bytes.Cut(all, []byte("\r\n"))
	f := strings.Fields(string(line))
	if len(f) < 2 {
		t.Fatalf("no status line for %q: %q", target, all)
	}
	code, _ := strconv.Atoi(f[1])
	_, body, _ := bytes.Cut(rest, []byte("\r\n\r\n"))
	return code, string(body)
}
