package cache

import (
	"bytes"
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestPeerListener(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/owned.m4s", 100_000)
	o.PutPattern("/other.m4s", 100_000)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.ServePeer(ln, PeerConfig{
		Authorized: func(ctx *fasthttp.RequestCtx) bool {
			return string(ctx.Request.Header.Peek("Authorization")) == "Bearer cluster-key"
		},
		Owns: func(key string) bool { return key == "/owned.m4s" },
	})
	peer := "http://" + ln.Addr().String()
	c := client(t)
	if r := do(t, c, "GET", peer+"/owned.m4s"); r.status != 401 {
		t.Fatalf("no credentials: %d", r.status)
	}
	auth := []string{"Authorization", "Bearer cluster-key"}
	r := do(t, c, "GET", peer+"/other.m4s", append(auth, "Range", "bytes=0-99")...)
	if r.status != 404 || r.header.Get(HeaderPeerMiss) != "1" {
		t.Fatalf("not owned, not held: %d %v", r.status, r.header)
	}
	if o.Requests("") != 0 {
		t.Fatal("a non-owner went to the origin for a peer")
	}
	r = do(t, c, "GET", peer+"/owned.m4s", append(auth, "Range", "bytes=100-199")...)
	if r.status != 206 || !bytes.Equal(r.body, testenv.PatternBytes(100, 200)) || o.Requests("") != 1 {
		t.Fatalf("owner: %d, %d origin requests", r.status, o.Requests(""))
	}
	do(t, c, "GET", e.url+"/other.m4s") // now held through a player's request
	r = do(t, c, "GET", peer+"/other.m4s", append(auth, "Range", "bytes=10-19")...)
	if r.status != 206 || !bytes.Equal(r.body, testenv.PatternBytes(10, 20)) {
		t.Fatalf("held: %d", r.status)
	}
	if r := do(t, c, "GET", peer+"/other.m4s", append(auth, "Range", "bytes=0-9,90000-90009")...); r.status != 404 {
		t.Fatalf("multi-range from a peer: %d", r.status)
	}
}
