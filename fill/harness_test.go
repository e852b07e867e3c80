package fill_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }

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

// fileOrigin is the test origin of these tests' files.
type fileOrigin struct{ *testenv.Origin }

func newOrigin(t *testing.T) fileOrigin { return fileOrigin{testenv.NewOrigin(t)} }

// add serves content(key, size) at key and returns its manifest entry.
func (o fileOrigin) add(key string, size int64) manifest.Entry {
	b := content(key, size)
	o.Put(key, b)
	return manifest.Entry{Key: key, Size: size, SHA256: digest(b), Priority: 1, Copies: 1}
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
	testenv.Eventually(t, 10*time.Second, "the disk index to load", st.Loaded)
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

// lookedAgain pokes a until it has read clock three more times: whatever
// evaluation of the window was half done, one whole evaluation (is the
// window open? how long until it opens?) then happened on the clock's
// current time. It is the positive signal that proves "nothing
// happened": the agent looked and decided, no sleep hoping it did. The
// test must not call a.Status meanwhile, which reads the clock too.
func lookedAgain(t *testing.T, a *fill.Agent, clock *testenv.Clock) {
	t.Helper()
	r := clock.Reads()
	testenv.Eventually(t, 5*time.Second, "the agent to look at the clock again", func() bool {
		a.Poke() // pokes coalesce; each wakes a waiting agent at once
		return clock.Reads() >= r+3
	})
}

// runAgent runs a until cancel; it returns a wait function.
func runAgent(a *fill.Agent) (cancel func()) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	return func() { stop(); <-done }
}
