package fill_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/origin"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}

// content is the deterministic body of a test file.
func content(key string, size int64) []byte {
	b := make([]byte, size)
	seed := byte(len(key))
	for i := range b {
		b[i] = byte(i*7+i>>9) ^ seed
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testOrigin serves files with Range, counting bytes sent per key.
type testOrigin struct {
	url   string
	srv   *http.Server
	mu    sync.Mutex
	files map[string][]byte
	sent  map[string]int64
	total atomic.Int64
}

func newOrigin(t *testing.T) *testOrigin {
	o := &testOrigin{files: map[string][]byte{}, sent: map[string]int64{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.url = "http://" + ln.Addr().String()
	o.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		b, ok := o.files[r.URL.Path]
		o.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		cw := &countW{ResponseWriter: w}
		http.ServeContent(cw, r, "f.m4s", time.Unix(1700000000, 0), bytesReader(b))
		o.mu.Lock()
		o.sent[r.URL.Path] += cw.n
		o.mu.Unlock()
		o.total.Add(cw.n)
	})}
	go o.srv.Serve(ln)
	t.Cleanup(func() { o.srv.Close() })
	return o
}

type countW struct {
	http.ResponseWriter
	n int64
}

func (c *countW) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (o *testOrigin) add(key string, size int64) manifest.Entry {
	b := content(key, size)
	o.mu.Lock()
	o.files[key] = b
	o.mu.Unlock()
	return manifest.Entry{Key: key, Size: size, SHA256: digest(b), Priority: 1, Copies: 1}
}

func (o *testOrigin) sentFor(key string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent[key]
}

// node is an edge's storage and peer listener, in process.
type node struct {
	name  string
	store *disktier.Store
	srv   *cache.Server
	peer  string // peer listener base URL
	stop  func()
}

func newNode(t *testing.T, name string, org *origin.HTTP) *node {
	cfg := disktier.DefaultConfig(t.TempDir(), 256<<20)
	cfg.ScrubBytesPerSec, cfg.MinFreeBytes = 0, 0
	st, err := disktier.Open(cfg, disktier.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for !st.Loaded() {
		time.Sleep(time.Millisecond)
	}
	ccfg := cache.DefaultConfig()
	ccfg.NodeName, ccfg.RAMBytes, ccfg.SliceBytes = name, 0, 256<<10
	srv, err := cache.New(ccfg, cache.Deps{Origin: org, Disk: st})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		// Peer authentication is the cluster's business (steering/cluster);
		// these tests accept every peer request.
		srv.ServePeer(ln, cache.PeerConfig{Authorized: func(*fasthttp.RequestCtx) bool { return true }})
		close(done)
	}()
	n := &node{name: name, store: st, srv: srv, peer: "http://" + ln.Addr().String()}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			ln.Close()
			<-done
			st.Close()
		})
	}
	t.Cleanup(n.stop)
	return n
}

// peerSource reads from a node's peer listener like a real peer does.
type peerSource struct{ h *origin.HTTP }

func (p peerSource) Fetch(ctx context.Context, req origin.Request) (*origin.Object, error) {
	return p.h.Fetch(ctx, req)
}

func keys(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func testAgentConfig(n *node, pub ed25519.PublicKey, t *testing.T) fill.Config {
	c := fill.DefaultConfig()
	c.Node, c.Site, c.PublicKey = n.name, "ams", pub
	c.SliceBytes, c.StateDir = 256<<10, t.TempDir()
	c.Window, _ = fill.ParseWindow("00:00-00:00", time.UTC) // always open
	c.RateBytes = 1 << 30
	c.MasterWait, c.MasterProbe = 3*time.Second, 50*time.Millisecond
	return c
}

func httpOrigin(t *testing.T, url string) *origin.HTTP {
	h, err := origin.NewHTTP(url, origin.HTTPOptions{HeaderTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func siteOf(nodes ...*node) func() []placement.Node {
	return func() []placement.Node {
		var out []placement.Node
		for _, n := range nodes {
			out = append(out, placement.Node{Name: n.name, Weight: 1})
		}
		return out
	}
}

// runAgent runs a until cancel; it returns a wait function.
func runAgent(a *fill.Agent) (cancel func()) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	return func() { stop(); <-done }
}

func bytesReader(b []byte) *bytesRS { return &bytesRS{b: b} }

// bytesRS is an io.ReadSeeker over b.
type bytesRS struct {
	b   []byte
	off int64
}

func (r *bytesRS) Read(p []byte) (int, error) {
	if r.off >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += int64(n)
	return n, nil
}

func (r *bytesRS) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		r.off = off
	case io.SeekCurrent:
		r.off += off
	case io.SeekEnd:
		r.off = int64(len(r.b)) + off
	}
	return r.off, nil
}
