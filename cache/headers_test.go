package cache

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/disktier"
)

// TestHeadersPassedOn: end-to-end fields the origin sent are passed on
// from a miss and from a hit; hop-by-hop ones (and those Connection
// names) are not; Via gains this node; Age counts the origin's Age and the
// time held; Set-Cookie reaches only the request whose miss fetched it,
// never a hit.
func TestHeadersPassedOn(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/h.json", &semObject{body: []byte("{}"), etag: `"h"`, header: hdr(
		"Cache-Control", "max-age=600, public", "Content-Language", "fr", "Link", "</a.css>; rel=preload",
		"X-Custom", "1", "Access-Control-Allow-Origin", "*", "Via", "1.1 shield",
		"Connection", "X-Hop", "X-Hop", "secret", "Keep-Alive", "timeout=5", "Set-Cookie", "sid=1", "Age", "7",
	)})
	e := semEdge(t, o, nil)
	c := client(t)
	for i, after := range []time.Duration{0, 30 * time.Second} {
		clock.Advance(after)
		r := do(t, c, "GET", e.url+"/h.json")
		for k, want := range map[string]string{
			"Cache-Control": "max-age=600, public", "Content-Language": "fr", "Link": "</a.css>; rel=preload",
			"X-Custom": "1", "Access-Control-Allow-Origin": "*", "Via": "1.1 shield, 1.1 edge-1",
			"X-Hop": "", "Keep-Alive": "", "Set-Cookie": []string{"sid=1", ""}[i], "Age": strconv.Itoa(7 + int(after/time.Second)),
		} {
			if got := r.header.Get(k); got != want {
				t.Errorf("answer %d: %s %q, want %q", i, k, got, want)
			}
		}
	}
}

// TestFreshnessSurvivesRestart: what the origin said about an object's
// freshness is stored with it on disk, so a restarted node keeps serving
// fresh objects without asking, revalidates stale ones, and keeps what a
// 304 refreshed.
func TestFreshnessSurvivesRestart(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	long, short := content("long", 300_000), content("short", 1000)
	o.set("/long.bin", &semObject{body: long, etag: `"l"`, header: hdr("Cache-Control", "max-age=3600", "X-V", "1")})
	o.set("/short.bin", &semObject{body: short, etag: `"s"`, header: hdr("Cache-Control", "max-age=10", "X-V", "1")})
	dir := t.TempDir()
	h := httpOriginSem(t, o)
	restart := func(prev *edge) *edge {
		if prev != nil {
			prev.srv.Shutdown(t.Context())
			prev.srv.tiers.disk.Close()
		}
		return startEdgeDisk(t, smallRAM(), h, diskOpener(t, dir, disktier.Deps{}), withClock(clock))
	}
	c := client(t)
	e := restart(nil)
	do(t, c, "GET", e.url+"/long.bin")
	do(t, c, "GET", e.url+"/short.bin")
	waitIdle(t, e)

	e = restart(e)
	clock.Advance(20 * time.Second)
	o.edit("/short.bin", func(ob *semObject) { ob.header = hdr("Cache-Control", "max-age=1000", "X-V", "2") })
	r := do(t, c, "GET", e.url+"/long.bin")
	if r.header.Get("X-Cache") != "HIT-DISK" || !strings.Contains(cacheStatusOf(r), "; hit") || r.header.Get("Age") != "20" || r.header.Get("X-V") != "1" || !bytes.Equal(r.body, long) {
		t.Fatalf("fresh object after restart: %s %q Age %q X-V %q", r.header.Get("X-Cache"), cacheStatusOf(r), r.header.Get("Age"), r.header.Get("X-V"))
	}
	r = do(t, c, "GET", e.url+"/short.bin")
	if r.header.Get("X-Cache") != "HIT-DISK" || !strings.Contains(cacheStatusOf(r), "fwd-status=304") || r.header.Get("X-V") != "2" {
		t.Fatalf("stale object after restart: %s %q X-V %q", r.header.Get("X-Cache"), cacheStatusOf(r), r.header.Get("X-V"))
	}
	waitIdle(t, e)

	e = restart(e)
	clock.Advance(500 * time.Second)
	r = do(t, c, "GET", e.url+"/short.bin")
	if !strings.Contains(cacheStatusOf(r), "; hit") || r.header.Get("X-V") != "2" || r.header.Get("Age") != "500" || !bytes.Equal(r.body, short) {
		t.Fatalf("refreshed object after a second restart: %q X-V %q Age %q", cacheStatusOf(r), r.header.Get("X-V"), r.header.Get("Age"))
	}
	if n, cond := o.count(""); n != 4 || cond != 1 {
		t.Fatalf("origin saw %d requests (%d conditional), want 3 slice fetches and 1 revalidation", n, cond)
	}
}

// TestPinnedObjectsFreshWhilePinned: an object held by a fill manifest is
// served without revalidation however old, until unpinned.
func TestPinnedObjectsFreshWhilePinned(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/pin.bin", &semObject{body: content("p", 1000), etag: `"p"`, header: hdr("Cache-Control", "max-age=10")})
	e := startEdgeDisk(t, smallRAM(), httpOriginSem(t, o), diskOpener(t, t.TempDir(), disktier.Deps{}), withClock(clock))
	c := client(t)
	do(t, c, "GET", e.url+"/pin.bin")
	waitIdle(t, e)
	if ok, err := e.srv.tiers.disk.Pin("/pin.bin", true); !ok || err != nil {
		t.Fatalf("pin: %v %v", ok, err)
	}
	clock.Advance(24 * time.Hour)
	if r := do(t, c, "GET", e.url+"/pin.bin"); !strings.Contains(cacheStatusOf(r), "; hit") {
		t.Fatalf("pinned object: %q", cacheStatusOf(r))
	}
	e.srv.tiers.disk.Pin("/pin.bin", false)
	if r := do(t, c, "GET", e.url+"/pin.bin"); !strings.Contains(cacheStatusOf(r), "fwd-status=304") {
		t.Fatalf("unpinned stale object: %q", cacheStatusOf(r))
	}
}

// TestClientDirectives: players' Cache-Control is ignored by default and
// obeyed when the operator says so; only-if-cached always; requests with
// Authorization use only what the origin marked shareable and are never
// stored.
func TestClientDirectives(t *testing.T) {
	type call struct {
		path   string
		hdr    []string
		after  time.Duration
		status int
		origin int    // requests for path so far
		cache  string // Cache-Status substring
	}
	for _, tc := range []struct {
		name   string
		honour bool
		calls  []call
	}{
		{"ignored by default", false, []call{
			{"/a.json", nil, 0, 200, 1, "uri-miss"},
			{"/a.json", []string{"Cache-Control", "no-cache"}, 0, 200, 1, "; hit"},
			{"/a.json", []string{"Cache-Control", "max-age=0"}, 0, 200, 1, "; hit"},
			{"/a.json", []string{"Pragma", "no-cache"}, 0, 200, 1, "; hit"},
			{"/a.json", []string{"Cache-Control", "no-store"}, 0, 200, 1, "; hit"},
		}},
		{"honoured", true, []call{
			{"/a.json", nil, 0, 200, 1, "uri-miss"},
			{"/a.json", []string{"Cache-Control", "no-cache"}, 0, 200, 2, "fwd-status=304"},
			{"/a.json", []string{"Cache-Control", "max-age=0"}, time.Second, 200, 3, "fwd-status=304"},
			{"/a.json", []string{"Pragma", "no-cache"}, 0, 200, 4, "fwd-status=304"},
			{"/a.json", []string{"Cache-Control", "max-age=30"}, 10 * time.Second, 200, 4, "; hit"},
			{"/a.json", []string{"Cache-Control", "min-fresh=55"}, 0, 200, 5, "fwd-status=304"},
			{"/a.json", []string{"Cache-Control", "max-stale=100"}, 70 * time.Second, 200, 5, "max-stale"},
			{"/b.json", []string{"Cache-Control", "no-store"}, 0, 200, 1, "fwd=request"},
			{"/b.json", nil, 0, 200, 2, "uri-miss"},
			{"/seg.m4s", nil, 0, 200, 1, "uri-miss"},
			{"/seg.m4s", []string{"Cache-Control", "no-cache"}, 0, 200, 1, "; hit"}, // immutable
		}},
		{"only-if-cached", false, []call{
			{"/a.json", []string{"Cache-Control", "only-if-cached"}, 0, 504, 0, ""},
			{"/a.json", nil, 0, 200, 1, "uri-miss"},
			{"/a.json", []string{"Cache-Control", "only-if-cached"}, 0, 200, 1, "; hit"},
		}},
		{"Authorization", false, []call{
			{"/a.json", []string{"Authorization", "Bearer u1"}, 0, 200, 1, "bypass"},
			{"/a.json", nil, 0, 200, 2, "uri-miss"}, // the authorized answer was not stored
			{"/a.json", []string{"Authorization", "Bearer u1"}, 0, 200, 3, "bypass"},
			{"/pub.json", nil, 0, 200, 1, "uri-miss"},
			{"/pub.json", []string{"Authorization", "Bearer u1"}, 0, 200, 1, "; hit"}, // public
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			o.set("/a.json", &semObject{body: []byte("a"), etag: `"a"`, header: hdr("Cache-Control", "max-age=60")})
			o.set("/b.json", &semObject{body: []byte("b"), etag: `"b"`, header: hdr("Cache-Control", "max-age=60")})
			o.set("/pub.json", &semObject{body: []byte("p"), etag: `"p"`, header: hdr("Cache-Control", "max-age=60, public")})
			o.set("/seg.m4s", &semObject{body: []byte("s"), etag: `"s"`})
			e := semEdge(t, o, func(c *Config) { c.HonorClientCacheControl = tc.honour })
			c := client(t)
			for i, k := range tc.calls {
				clock.Advance(k.after)
				r := do(t, c, "GET", e.url+k.path, k.hdr...)
				n, _ := o.count(k.path)
				if r.status != k.status || n != k.origin || !strings.Contains(cacheStatusOf(r), k.cache) {
					t.Fatalf("call %d %s %v: %d, origin %d, %q; want %d, %d, %q", i, k.path, k.hdr, r.status, n, cacheStatusOf(r), k.status, k.origin, k.cache)
				}
				waitIdle(t, e)
			}
		})
	}
}

// TestCacheMetrics: lookups, revalidations, stale answers and
// uncacheable answers are counted by result and reason.
func TestCacheMetrics(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/m.json", &semObject{body: []byte("m"), etag: `"m1"`, header: hdr("Cache-Control", "max-age=10, stale-while-revalidate=5")})
	o.set("/ns.json", &semObject{body: []byte("n"), header: hdr("Cache-Control", "no-store")})
	e := semEdge(t, o, nil)
	c := client(t)
	get := func(p string, kv ...string) { do(t, c, "GET", e.url+p, kv...); waitIdle(t, e) }
	get("/m.json")                  // miss
	get("/m.json")                  // hit
	clock.Advance(12 * time.Second) //
	get("/m.json")                  // stale (swr), background 304
	clock.Advance(20 * time.Second) //
	get("/m.json")                  // revalidated
	o.edit("/m.json", func(ob *semObject) { ob.etag = `"m2"` })
	clock.Advance(20 * time.Second)      //
	get("/m.json")                       // modified
	get("/ns.json")                      // miss, uncacheable
	get("/m.json", "Authorization", "x") // hit (the answer is not public, so a pass)
	want := `
# HELP vodedge_edge_cache_lookups_total GET/HEAD requests by cache result: hit (fresh copy), miss (fetched), revalidated (stale copy confirmed by a 304), modified (stale copy replaced by a 200), stale (stale copy served), pass (fetched for this request only).
# TYPE vodedge_edge_cache_lookups_total counter
vodedge_edge_cache_lookups_total{result="hit"} 1
vodedge_edge_cache_lookups_total{result="miss"} 2
vodedge_edge_cache_lookups_total{result="modified"} 1
vodedge_edge_cache_lookups_total{result="pass"} 1
vodedge_edge_cache_lookups_total{result="revalidated"} 1
vodedge_edge_cache_lookups_total{result="stale"} 1
# HELP vodedge_edge_revalidations_total Conditional requests to the origin for stale copies, by result: not_modified (304), modified (a new version), refetched (the same version sent in full: the origin ignored the condition), failed.
# TYPE vodedge_edge_revalidations_total counter
vodedge_edge_revalidations_total{result="modified"} 1
vodedge_edge_revalidations_total{result="not_modified"} 2
# HELP vodedge_edge_stale_served_total Stale copies served, by reason: swr (stale-while-revalidate), sie (the origin's stale-if-error), origin_down (the operator's default stale-if-error), max_stale (the client's max-stale).
# TYPE vodedge_edge_stale_served_total counter
vodedge_edge_stale_served_total{reason="swr"} 1
# HELP vodedge_edge_uncacheable_total Origin answers not stored, by reason (no_store, private, status, must_understand, vary_star, too_many_variants, no_freshness, policy_pass, unknown_size).
# TYPE vodedge_edge_uncacheable_total counter
vodedge_edge_uncacheable_total{reason="no_store"} 1
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(want),
		"vodedge_edge_cache_lookups_total", "vodedge_edge_revalidations_total", "vodedge_edge_stale_served_total", "vodedge_edge_uncacheable_total"); err != nil {
		t.Fatal(err)
	}
}

// TestSetCookieOnlyForItsRequest: a cookie is never stored or shared:
// the request whose miss fetched a stored answer gets it, later hits do
// not; an answer for one request only (private, or to a request with
// Authorization) carries it.
func TestSetCookieOnlyForItsRequest(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/shared.json", &semObject{body: []byte("s"), etag: `"s"`, header: hdr("Cache-Control", "max-age=60", "Set-Cookie", "lb=1")})
	o.set("/private.json", &semObject{body: []byte("p"), etag: `"p"`, header: hdr("Cache-Control", "private", "Set-Cookie", "sid=2", "Set-Cookie", "x=3")})
	e := semEdge(t, o, nil)
	c := client(t)
	for i, tc := range []struct {
		path, auth string
		cookies    int
	}{
		{"/shared.json", "", 1}, {"/shared.json", "", 0}, {"/private.json", "", 2}, {"/shared.json", "Bearer u", 1},
	} {
		var h []string
		if tc.auth != "" {
			h = []string{"Authorization", tc.auth}
		}
		r := do(t, c, "GET", e.url+tc.path, h...)
		if n := len(r.header.Values("Set-Cookie")); n != tc.cookies {
			t.Errorf("answer %d (%s): %d Set-Cookie fields, want %d", i, tc.path, n, tc.cookies)
		}
	}
}

// TestPeerServesOnlyFresh: a node asked by a peer for an object it does
// not own answers from a fresh copy only: a stale one is a peer miss (the
// peer goes to the origin), never a revalidation through this node.
func TestPeerServesOnlyFresh(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/p.m3u8", &semObject{body: []byte("p"), etag: `"p"`, header: hdr("Cache-Control", "max-age=5")})
	e := semEdge(t, o, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.ServePeer(ln, PeerConfig{Authorized: func(*fasthttp.RequestCtx) bool { return true }})
	peer := "http://" + ln.Addr().String()
	c := client(t)
	do(t, c, "GET", e.url+"/p.m3u8")
	waitIdle(t, e)
	// The cluster's Authorization does not make the request private.
	if r := do(t, c, "GET", peer+"/p.m3u8", "Authorization", "Bearer cluster"); r.status != 200 || string(r.body) != "p" {
		t.Fatalf("fresh copy to a peer: %d", r.status)
	}
	clock.Advance(10 * time.Second)
	if r := do(t, c, "GET", peer+"/p.m3u8"); r.status != 404 || r.header.Get(HeaderPeerMiss) != "1" {
		t.Fatalf("stale copy to a peer: %d %v", r.status, r.header)
	}
	if n, _ := o.count("/p.m3u8"); n != 1 {
		t.Fatalf("a peer request reached the origin (%d requests)", n)
	}
}
