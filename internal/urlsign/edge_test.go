package urlsign

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// testEdge is a real HTTP server that checks tokens exactly as the edge
// does: the raw request-target and the connection's peer address go to
// Verify; an error is a 403 whose body names the reason; otherwise the
// target without its token is what the cache key is made from (here it
// is echoed back).
func testEdge(t *testing.T, v *Verifier) string {
	t.Helper()
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		client, _ := netip.AddrFromSlice(ctx.RemoteIP())
		target, err := v.Verify(ctx.Request.Header.RequestURI(), client.Unmap())
		if err != nil {
			ctx.Error("forbidden: "+err.Error()+"\n", fasthttp.StatusForbidden)
			ctx.Response.Header.Set("X-Vodedge-Token", Reason(err))
			return
		}
		ctx.SetBody(target)
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); <-done })
	return "http://" + ln.Addr().String()
}

// TestRoundTripThroughAnEdge: a URL signed by steering gets 200 from an
// edge; expired, altered (path, expiry, key) and unsigned URLs get 403
// with the reason; a playlist's relative reference resolved against a
// path-token URL carries the token and gets 200.
func TestRoundTripThroughAnEdge(t *testing.T) {
	now := time.Now()
	base := testEdge(t, newVerifier(t, now, key1, key2))
	loopback := netip.MustParseAddr("127.0.0.1")
	sign := func(k Key, cfg SignerConfig, p string) string {
		return base + string(newSigner(t, k, cfg).AppendURL(nil, p, loopback))
	}
	valid := sign(key1, SignerConfig{Now: clock(now), ClientBitsV4: 8}, "/titles/t1/master.m3u8")
	exp := strconv.FormatInt(now.Add(6*time.Hour).Unix(), 10)
	later := strconv.FormatInt(now.Add(7*time.Hour).Unix(), 10)

	cases := []struct {
		name, url string
		status    int
		reason    string
	}{
		{"valid", valid, 200, ""},
		{"valid, rotated key", sign(key2, SignerConfig{Now: clock(now)}, "/titles/t1/master.m3u8"), 200, ""},
		{"valid, in the query", sign(key1, SignerConfig{Now: clock(now), Carrier: InQuery, Scope: ScopeFile}, "/titles/t1/720p/seg-1.m4s"), 200, ""},
		{"expired", sign(key1, SignerConfig{Now: clock(now.Add(-2 * time.Hour)), TTL: time.Hour}, "/titles/t1/master.m3u8"), 403, "expired"},
		{"altered path", strings.Replace(valid, "/titles/t1/", "/titles/t2/", 1), 403, "tampered"},
		{"altered expiry", strings.Replace(valid, "."+exp+".", "."+later+".", 1), 403, "tampered"},
		{"unknown key", sign(keyX, SignerConfig{Now: clock(now)}, "/titles/t1/master.m3u8"), 403, "unknown_key"},
		{"no token", base + "/titles/t1/master.m3u8", 403, "missing"},
		{"escape from the scope", strings.Replace(valid, "/master.m3u8", "/../t2/master.m3u8", 1), 403, "scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, reason, body := get(t, c.url)
			if status != c.status || reason != c.reason {
				t.Fatalf("GET %s: %d %q %q; want %d %q", c.url, status, reason, body, c.status, c.reason)
			}
			if status == 403 && !strings.HasPrefix(body, "forbidden: urlsign: ") {
				t.Fatalf("403 body %q does not name the reason", body)
			}
		})
	}

	// A media playlist named in the master by a relative reference.
	u, _ := url.Parse(valid)
	rel, _ := url.Parse("720p/index.m3u8")
	status, _, body := get(t, u.ResolveReference(rel).String())
	if status != 200 || body != "/titles/t1/720p/index.m3u8" {
		t.Fatalf("relative reference: %d %q", status, body)
	}
}

func get(t *testing.T, u string) (status int, reason, body string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Vodedge-Token"), string(b)
}
