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
	"sync/atomic"
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

// pattern is deterministic content of any size without storing it: the
// byte at position i. It lets tests use multi-GiB objects.
func pattern(i int64) byte { return byte(i*31 + i>>9 + i>>17) }

// patternReader is an io.ReadSeeker over pattern bytes [0, size).
type patternReader struct{ pos, size int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.pos >= p.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.size-p.pos))
	for i := range n {
		b[i] = pattern(p.pos + int64(i))
	}
	p.pos += int64(n)
	return n, nil
}

func (p *patternReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		p.pos = off
	case io.SeekCurrent:
		p.pos += off
	case io.SeekEnd:
		p.pos = p.size + off
	}
	return p.pos, nil
}

func patternBytes(from, to int64) []byte {
	b := make([]byte, to-from)
	for i := range b {
		b[i] = pattern(from + int64(i))
	}
	return b
}

// testOrigin is a real HTTP origin on loopback serving pattern objects,
// counting requests and body bytes sent.
type testOrigin struct {
	t        testing.TB
	srv      *http.Server
	url      string
	mu       sync.Mutex
	sizes    map[string]int64 // path -> size
	hook     func(w http.ResponseWriter, r *http.Request) bool
	requests atomic.Int64
	sent     atomic.Int64
}

func newTestOrigin(t testing.TB) *testOrigin {
	o := &testOrigin{t: t, sizes: map[string]int64{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.url = "http://" + ln.Addr().String()
	o.srv = &http.Server{Handler: http.HandlerFunc(o.serve)}
	go o.srv.Serve(ln)
	t.Cleanup(func() { o.srv.Close() })
	return o
}

func (o *testOrigin) add(path string, size int64) {
	o.mu.Lock()
	o.sizes[path] = size
	o.mu.Unlock()
}

func (o *testOrigin) setHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	o.mu.Lock()
	o.hook = h
	o.mu.Unlock()
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c countingWriter) Flush() { c.ResponseWriter.(http.Flusher).Flush() }

func (o *testOrigin) serve(w http.ResponseWriter, r *http.Request) {
	o.requests.Add(1)
	o.mu.Lock()
	size, ok := o.sizes[r.URL.Path]
	hook := o.hook
	o.mu.Unlock()
	cw := countingWriter{w, &o.sent}
	if hook != nil && hook(cw, r) {
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"v1-%d"`, size))
	http.ServeContent(cw, r, r.URL.Path, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), &patternReader{size: size})
}

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
	c.NegativeTTL = time.Minute
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
	})
	return e
}

func httpOrigin(t testing.TB, o *testOrigin, opts origin.HTTPOptions) *origin.HTTP {
	t.Helper()
	h, err := origin.NewHTTP(o.url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// client is a real HTTP/1.1 client with its own pool, closed at cleanup.
func client(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 200, DisableCompression: true}
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
