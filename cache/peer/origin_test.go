package peer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

const sliceBytes = 256 << 10

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// startOrigin is a real HTTP origin on loopback serving objs with
// ranges, each with the ETag "LEN".
func startOrigin(t *testing.T, objs map[string][]byte) *testenv.Origin {
	t.Helper()
	o := testenv.NewOrigin(t)
	for path, b := range objs {
		o.PutObject(path, testenv.Object{Body: b, ETag: fmt.Sprintf(`"%d"`, len(b)), ModTime: time.Unix(1700000000, 0)})
	}
	return o
}

// client is an HTTP origin client of o.
func client(t *testing.T, o *testenv.Origin) *origin.HTTP {
	t.Helper()
	h, err := origin.NewHTTP(o.URL, origin.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// startPeer runs a real edge (cache.Server) with a peer listener that
// accepts auth and owns the keys owns says.
func startPeer(t *testing.T, o *testenv.Origin, auth peer.Auth, owns func(string) bool) string {
	t.Helper()
	cfg := cache.DefaultConfig()
	cfg.NodeName, cfg.RAMBytes, cfg.SliceBytes = "peer", 16<<20, sliceBytes
	srv, err := cache.New(cfg, cache.Deps{Origin: client(t, o)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServePeer(ln, cache.PeerConfig{
		Authorized: func(ctx *fasthttp.RequestCtx) bool { return auth.Check(ctx.Request.Header.Peek("Authorization")) },
		Owns:       owns,
	})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// router sends every key to its peers and records failures.
type router struct {
	peers  []peer.Peer
	mu     sync.Mutex
	failed []string
}

func (r *router) Route(string) []peer.Peer { return r.peers }
func (r *router) PeerFailed(name string) {
	r.mu.Lock()
	r.failed = append(r.failed, name)
	r.mu.Unlock()
}

func (r *router) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.failed...)
}

var testAuth = peer.NewAuth([]byte("0123456789abcdef"))

func newPeerOrigin(t *testing.T, o *testenv.Origin, r peer.Router) (*peer.Origin, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := peer.DefaultConfig()
	cfg.Auth, cfg.IdleTimeout = testAuth, 300*time.Millisecond
	p, err := peer.New(client(t, o), r, cfg, peer.Deps{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, reg
}

// fetch reads one slice through p and checks its bytes against want.
func fetch(t *testing.T, p *peer.Origin, key string, off int64, want []byte) {
	t.Helper()
	obj, err := p.Fetch(context.Background(), origin.Request{Key: key, Offset: off, Length: sliceBytes})
	if err != nil {
		t.Fatalf("fetch %s@%d: %v", key, off, err)
	}
	defer obj.Body.Close()
	got, err := io.ReadAll(obj.Body)
	end := min(off+sliceBytes, int64(len(want)))
	if err != nil || !bytes.Equal(got, want[off:end]) || obj.Size != int64(len(want)) || obj.Offset != off || obj.Length != end-off {
		t.Fatalf("fetch %s@%d: %d bytes (%v), size %d offset %d length %d", key, off, len(got), err, obj.Size, obj.Offset, obj.Length)
	}
	if obj.ETag != fmt.Sprintf(`"%d"`, len(want)) {
		t.Fatalf("ETag %q", obj.ETag)
	}
}

func TestPeerOriginFetchesFromTheOwner(t *testing.T) {
	seg := content(300_000) // two slices
	o := startOrigin(t, map[string][]byte{"/t/seg.m4s": seg})
	addr := startPeer(t, o, testAuth, func(string) bool { return true })
	p, reg := newPeerOrigin(t, o, &router{peers: []peer.Peer{{Name: "b", Addr: addr}}})

	fetch(t, p, "/t/seg.m4s", 0, seg)
	fetch(t, p, "/t/seg.m4s", 0, seg) // the owner has it now
	fetch(t, p, "/t/seg.m4s", sliceBytes, seg)
	if n := o.Requests("/t/seg.m4s"); n != 2 {
		t.Fatalf("origin asked %d times for 2 slices, want 2 (both by the owner)", n)
	}
	if hit := testenv.Metric(t, reg, "vodedge_peer_fetches_total", "outcome", "hit"); hit != 3 {
		t.Fatalf("peer hits %v", hit)
	}
	if b := testenv.Metric(t, reg, "vodedge_peer_bytes_total", "outcome", "hit"); b != sliceBytes*2+300_000-sliceBytes {
		t.Fatalf("peer bytes %v", b)
	}
}

func TestPeerOriginMissGoesToTheOrigin(t *testing.T) {
	seg := content(100_000)
	o := startOrigin(t, map[string][]byte{"/t/seg.m4s": seg})
	addr := startPeer(t, o, testAuth, func(string) bool { return false })
	r := &router{peers: []peer.Peer{{Name: "b", Addr: addr}}}
	p, reg := newPeerOrigin(t, o, r)
	fetch(t, p, "/t/seg.m4s", 0, seg)
	if n := o.Requests("/t/seg.m4s"); n != 1 {
		t.Fatalf("origin asked %d times, want 1 (by this node; the peer does not own the key)", n)
	}
	if testenv.Metric(t, reg, "vodedge_peer_fetches_total", "outcome", "miss") != 1 || testenv.Metric(t, reg, "vodedge_peer_origin_fetches_total", "reason", "fallback") != 1 {
		t.Fatal("miss not counted")
	}
	if len(r.failures()) != 0 {
		t.Fatal("a peer that answered a miss was marked failed")
	}
}

func TestPeerOriginOwners404IsFinal(t *testing.T) {
	o := startOrigin(t, map[string][]byte{})
	addr := startPeer(t, o, testAuth, func(string) bool { return true })
	p, reg := newPeerOrigin(t, o, &router{peers: []peer.Peer{{Name: "b", Addr: addr}}})
	_, err := p.Fetch(context.Background(), origin.Request{Key: "/none.m4s", Length: sliceBytes})
	if !errors.Is(err, origin.ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
	if n := o.Requests("/none.m4s"); n != 1 {
		t.Fatalf("origin asked %d times, want 1 (by the owner only)", n)
	}
	if testenv.Metric(t, reg, "vodedge_peer_fetches_total", "outcome", "not_found") != 1 {
		t.Fatal("not_found not counted")
	}
}

func TestPeerOriginOwnKeysGoStraightToTheOrigin(t *testing.T) {
	seg := content(1000)
	o := startOrigin(t, map[string][]byte{"/own.m4s": seg})
	p, reg := newPeerOrigin(t, o, &router{})
	fetch(t, p, "/own.m4s", 0, seg)
	if testenv.Metric(t, reg, "vodedge_peer_origin_fetches_total", "reason", "owner") != 1 || o.Requests("/own.m4s") != 1 {
		t.Fatal("owned key not fetched from the origin directly")
	}
}

// silentListener accepts connections and never answers: a hung peer.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

func TestPeerOriginSkipsDeadSlowAndForeignPeers(t *testing.T) {
	seg := content(50_000)
	o := startOrigin(t, map[string][]byte{"/s.m4s": seg})
	for _, tc := range []struct {
		name    string
		addr    func() string
		outcome string
	}{
		{"refused", func() string { return testenv.FreeAddr(t) }, "error"}, // nobody listens
		{"silent", func() string { return silentListener(t) }, "timeout"},
		{"other cluster key", func() string {
			return startPeer(t, o, peer.NewAuth([]byte("another key.....")), func(string) bool { return true })
		}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &router{peers: []peer.Peer{{Name: "b", Addr: tc.addr()}}}
			p, reg := newPeerOrigin(t, o, r)
			start := time.Now()
			fetch(t, p, "/s.m4s", 0, seg)
			took := time.Since(start)
			if took > time.Second {
				t.Errorf("fell back after %v", took)
			}
			if f := r.failures(); len(f) != 1 || f[0] != "b" {
				t.Errorf("failures reported: %v", f)
			}
			if testenv.Metric(t, reg, "vodedge_peer_fetches_total", "outcome", tc.outcome) != 1 {
				t.Errorf("outcome %s not counted", tc.outcome)
			}
			t.Logf("%s peer: served from the origin after %v", tc.name, took.Round(time.Millisecond))
		})
	}
}

// brokenPeer answers 206 for the whole range, sends half the bytes, then
// either closes the connection or stalls.
func brokenPeer(t *testing.T, obj []byte, stall bool) string {
	t.Helper()
	release := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := min(len(obj), sliceBytes)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", n-1, len(obj)))
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, len(obj)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(obj[:n/2])
		w.(http.Flusher).Flush()
		if stall {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { close(release); srv.Close() })
	return ln.Addr().String()
}

func TestPeerOriginFinishesABrokenPeerBodyFromTheOrigin(t *testing.T) {
	seg := content(200_000)
	o := startOrigin(t, map[string][]byte{"/b.m4s": seg})
	for _, stall := range []bool{false, true} {
		t.Run(fmt.Sprintf("stall=%v", stall), func(t *testing.T) {
			p, reg := newPeerOrigin(t, o, &router{peers: []peer.Peer{{Name: "b", Addr: brokenPeer(t, seg, stall)}}})
			before := o.Requests("/b.m4s")
			fetch(t, p, "/b.m4s", 0, seg)
			if o.Requests("/b.m4s") != before+1 {
				t.Fatal("the rest was not fetched from the origin")
			}
			if v := testenv.Metric(t, reg, "vodedge_peer_resumed_total"); v != 1 {
				t.Fatalf("resumes %v", v)
			}
		})
	}
}
