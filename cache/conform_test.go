package cache

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// rfcEdge starts an edge in front of o whose every path follows the
// origin (--cache-policy '*=rfc'), as a general HTTP cache.
func rfcEdge(t *testing.T, o *semOrigin, edit func(*Config)) *edge {
	t.Helper()
	set, err := policy.ParseSet([]string{"*=rfc"})
	if err != nil {
		t.Fatal(err)
	}
	return semEdge(t, o, func(c *Config) {
		c.Policies = set
		if edit != nil {
			edit(c)
		}
	})
}

// TestOriginErrorAnswersPassThrough: an origin's error answer reaches
// the client as the origin sent it (status, fields, body), never
// replaced by the edge's 502 or its own text; what RFC 9111 lets a
// shared cache store is stored, and only that.
func TestOriginErrorAnswersPassThrough(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		stored bool // a second request is answered from the cache
	}{
		{"404 with the origin's page, heuristically cacheable", 404, hdr("Content-Type", "text/html", "X-Origin", "o1"), true},
		{"410 with the origin's page", 410, hdr("Content-Type", "text/html", "X-Origin", "o1"), true},
		{"500 is not stored without freshness", 500, hdr("X-Origin", "o1"), false},
		{"503 with Retry-After", 503, hdr("Retry-After", "120", "X-Origin", "o1"), false},
		{"504", 504, hdr("X-Origin", "o1"), false},
		{"non-standard 599", 599, hdr("X-Origin", "o1"), false},
		{"501 heuristically cacheable", 501, hdr("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT", "X-Origin", "o1"), true},
		{"500 with max-age is stored", 500, hdr("Cache-Control", "max-age=60", "X-Origin", "o1"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			page := "<p>origin's own " + strconv.Itoa(tc.status) + " page</p>"
			o.set("/e.bin", &semObject{status: tc.status, body: []byte(page), header: tc.header})
			e := rfcEdge(t, o, nil)
			c := client(t)
			for i := range 2 {
				r := do(t, c, "GET", e.url+"/e.bin")
				if r.status != tc.status || string(r.body) != page {
					t.Fatalf("request %d: %d %q, want the origin's %d %q", i, r.status, r.body, tc.status, page)
				}
				for k := range tc.header {
					if got, want := r.header.Get(k), tc.header.Get(k); got != want {
						t.Fatalf("request %d: %s %q, want the origin's %q", i, k, got, want)
					}
				}
				waitIdle(t, e)
				clock.Advance(time.Second)
			}
			want := 2
			if tc.stored {
				want = 1
			}
			if n, _ := o.count("/e.bin"); n != want {
				t.Fatalf("origin asked %d times, want %d", n, want)
			}
		})
	}
}

// TestErrorHeadRequestPassesStatus: a HEAD for a path the origin
// answers 503 gets the 503 and its Retry-After, without a body.
func TestErrorHeadRequestPassesStatus(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/e.bin", &semObject{status: 503, body: []byte("busy"), header: hdr("Retry-After", "7")})
	e := rfcEdge(t, o, nil)
	r := do(t, client(t), "HEAD", e.url+"/e.bin")
	if r.status != 503 || r.header.Get("Retry-After") != "7" || len(r.body) != 0 {
		t.Fatalf("HEAD: %d Retry-After %q body %q", r.status, r.header.Get("Retry-After"), r.body)
	}
}

// TestRetryAfterBoundsAStoredError: a 503 the origin allows storing
// (max-age) is kept no longer than its Retry-After, and never served
// stale after it (issue 19: the player gets the origin's 503 and
// Retry-After; the edge does not hold it beyond Retry-After).
func TestRetryAfterBoundsAStoredError(t *testing.T) {
	for _, ra := range []string{"30", "date"} {
		t.Run(ra, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			v := ra
			if ra == "date" {
				v = clock.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
			}
			h := hdr("Cache-Control", "max-age=600, stale-if-error=600, stale-while-revalidate=600", "Retry-After", v)
			o.set("/busy.bin", &semObject{status: 503, body: []byte("come back later"), header: h})
			e := rfcEdge(t, o, nil)
			c := client(t)
			for i, s := range []struct {
				after  time.Duration
				origin int
			}{{0, 1}, {20 * time.Second, 1}, {11 * time.Second, 2}} {
				clock.Advance(s.after)
				r := do(t, c, "GET", e.url+"/busy.bin")
				n, _ := o.count("/busy.bin")
				if r.status != 503 || r.header.Get("Retry-After") != v || n != s.origin {
					t.Fatalf("step %d: %d Retry-After %q, origin asked %d times; want 503 %q, %d", i, r.status, r.header.Get("Retry-After"), n, v, s.origin)
				}
				waitIdle(t, e)
			}
		})
	}
}

// TestServerErrorOnRevalidation: a stale copy whose revalidation gets a
// 500 is served within stale-if-error, and the 500 is not stored over
// it; past the window the client gets the origin's 500 itself.
func TestServerErrorOnRevalidation(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	data := content("v1", 1000)
	o.set("/s.bin", &semObject{body: data, etag: `"s1"`, header: hdr("Cache-Control", "max-age=10, stale-if-error=60")})
	e := rfcEdge(t, o, func(c *Config) { c.StaleIfError = 0 })
	c := client(t)
	do(t, c, "GET", e.url+"/s.bin")
	waitIdle(t, e)
	o.edit("/s.bin", func(ob *semObject) {
		ob.status, ob.body, ob.header = 500, []byte("db down"), hdr("Cache-Control", "max-age=600")
	})
	clock.Advance(30 * time.Second)
	if r := do(t, c, "GET", e.url+"/s.bin"); r.status != 200 || string(r.body) != string(data) || !strings.Contains(cacheStatusOf(r), "detail=stale-if-error") {
		t.Fatalf("within stale-if-error: %d %q", r.status, cacheStatusOf(r))
	}
	waitIdle(t, e)
	clock.Advance(time.Minute)
	r := do(t, c, "GET", e.url+"/s.bin")
	if r.status != 500 || string(r.body) != "db down" {
		t.Fatalf("past stale-if-error: %d %q, want the origin's 500", r.status, r.body)
	}
	if cs := cacheStatusOf(r); !strings.Contains(cs, "fwd=stale; fwd-status=500") || strings.Contains(cs, "stored") {
		t.Fatalf("Cache-Status %q", cs)
	}
}

// TestAgeIncludesDelayAndResidence: the Age sent is the corrected
// initial age (the origin's Age plus the response delay, RFC 9111
// §4.2.3) plus the time resident in the cache, never below the
// origin's.
func TestAgeIncludesDelayAndResidence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		originAge string
		delay     time.Duration
		miss, hit int // Age of the miss, and of a hit 10 s later
	}{
		{"origin Age 7200, instant", "7200", 0, 7200, 7210},
		{"origin Age 7200, 3 s to answer", "7200", 3 * time.Second, 7203, 7213},
		{"no Age, 4 s to answer", "", 4 * time.Second, 4, 14},
		{"an invalid Age is ignored", "-5", 2 * time.Second, 2, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			h := hdr("Cache-Control", "max-age=86400")
			if tc.originAge != "" {
				h.Set("Age", tc.originAge)
			}
			o.set("/a.bin", &semObject{body: content("a", 100), etag: `"a"`, header: h, delay: tc.delay})
			e := rfcEdge(t, o, nil)
			c := client(t)
			r := do(t, c, "GET", e.url+"/a.bin")
			if got := r.header.Get("Age"); got != strconv.Itoa(tc.miss) {
				t.Fatalf("miss: Age %q, want %d", got, tc.miss)
			}
			waitIdle(t, e)
			clock.Advance(10 * time.Second)
			r = do(t, c, "GET", e.url+"/a.bin")
			if got := r.header.Get("Age"); got != strconv.Itoa(tc.hit) || !strings.HasPrefix(r.header.Get("X-Cache"), "HIT") {
				t.Fatalf("hit: Age %q (%s), want %d", got, r.header.Get("X-Cache"), tc.hit)
			}
		})
	}
}

// TestAgeOnARealClock: with the real clock (no test clock), an origin's
// Age of 7200 never goes out lower.
func TestAgeOnARealClock(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/a.bin", &semObject{body: content("a", 100), etag: `"a"`, header: hdr("Cache-Control", "max-age=86400", "Age", "7200")})
	e := startEdgeDisk(t, testConfig(), httpOriginSem(t, o), nil)
	c := client(t)
	for i := range 3 {
		r := do(t, c, "GET", e.url+"/a.bin")
		if age, _ := strconv.Atoi(r.header.Get("Age")); age < 7200 {
			t.Fatalf("request %d: Age %q below the origin's 7200", i, r.header.Get("Age"))
		}
	}
}

// cacheStatusSyntax matches a one-member Cache-Status list (RFC 9211
// §2): a token or string, then parameters, each a key with an optional
// bare item (token, integer, string).
var cacheStatusSyntax = regexp.MustCompile(`^([A-Za-z*][A-Za-z0-9!#$%&'*+.^_` + "`" + `|~:/-]*|"(?:[^"\\]|\\.)*")` +
	`(;[ ]?[a-z*][a-z0-9_.*-]*(=([A-Za-z*][A-Za-z0-9!#$%&'*+.^_` + "`" + `|~:/-]*|-?[0-9]{1,15}|"(?:[^"\\]|\\.)*"))?)*$`)

// TestCacheStatus checks the field's syntax and parameters on each kind
// of answer (RFC 9211): the fwd reason, fwd-status, ttl, stored,
// collapsed, the stale details, and the key when asked.
func TestCacheStatus(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/a.bin", &semObject{body: content("a", 100), etag: `"a"`, header: hdr("Cache-Control", "max-age=60")})
	o.set("/s.bin", &semObject{body: content("s", 100), etag: `"s"`, header: hdr("Cache-Control", "max-age=10, stale-while-revalidate=100")})
	o.set("/v.bin", &semObject{body: content("v", 100), etag: `"v"`, varyOn: "Accept-Language", header: hdr("Cache-Control", "max-age=60", "Vary", "Accept-Language")})
	o.set("/n.bin", &semObject{body: content("n", 100), etag: `"n"`, header: hdr("Cache-Control", "max-age=60")})
	o.set("/err.bin", &semObject{status: 500, body: []byte("boom")})
	e := rfcEdge(t, o, func(c *Config) { c.HonorClientCacheControl, c.CacheStatusKey = true, true })
	c := client(t)
	check := func(step, path, want string, h ...string) reply {
		t.Helper()
		r := do(t, c, "GET", e.url+path, h...)
		cs := r.header.Get("Cache-Status")
		if !cacheStatusSyntax.MatchString(cs) {
			t.Fatalf("%s: Cache-Status %q is not RFC 9211 syntax", step, cs)
		}
		if cs != want {
			t.Fatalf("%s: Cache-Status %q, want %q", step, cs, want)
		}
		waitIdle(t, e)
		return r
	}
	check("miss", "/a.bin", `edge-1; fwd=uri-miss; fwd-status=200; ttl=60; stored; key="/a.bin"`)
	clock.Advance(5 * time.Second)
	check("fresh hit", "/a.bin", `edge-1; hit; ttl=55; key="/a.bin"`)
	check("client's no-cache", "/a.bin", `edge-1; fwd=request; fwd-status=304; ttl=60; stored; key="/a.bin"`, "Cache-Control", "no-cache")
	clock.Advance(time.Second)
	check("client's max-age=0", "/a.bin", `edge-1; fwd=request; fwd-status=304; ttl=60; stored; key="/a.bin"`, "Cache-Control", "max-age=0")
	clock.Advance(61 * time.Second)
	check("stale", "/a.bin", `edge-1; fwd=stale; fwd-status=304; ttl=60; stored; key="/a.bin"`)
	check("client's no-store on a fresh copy", "/a.bin", `edge-1; hit; ttl=60; key="/a.bin"`, "Cache-Control", "no-store")
	check("only-if-cached, nothing stored", "/none.bin", `edge-1; key="/none.bin"; detail=only-if-cached`, "Cache-Control", "only-if-cached")
	check("client's no-store, not cached", "/n.bin", `edge-1; fwd=request; fwd-status=200; key="/n.bin"`, "Cache-Control", "no-store")

	check("miss before swr", "/s.bin", `edge-1; fwd=uri-miss; fwd-status=200; ttl=10; stored; key="/s.bin"`)
	clock.Advance(15 * time.Second)
	// The background revalidation waits until the stale answer is
	// checked: its 304 would otherwise freshen the copy (and the ttl the
	// answer reports) before the answer's header is built.
	gate := make(chan struct{})
	o.edit("/s.bin", func(ob *semObject) { ob.gate = gate })
	r := do(t, c, "GET", e.url+"/s.bin")
	if cs := r.header.Get("Cache-Status"); cs != `edge-1; hit; ttl=-5; detail=stale-while-revalidate; key="/s.bin"` {
		t.Fatalf("stale-while-revalidate: Cache-Status %q", cs)
	}
	close(gate)
	waitIdle(t, e)

	vk := variantKeyFor(t, e, "/v.bin", "Accept-Language", "fr")
	check("variant miss", "/v.bin", `edge-1; fwd=uri-miss; fwd-status=200; ttl=60; stored; key=`+sfString(vk), "Accept-Language", "fr")
	vk = variantKeyFor(t, e, "/v.bin", "Accept-Language", "de")
	check("other variant", "/v.bin", `edge-1; fwd=vary-miss; fwd-status=200; ttl=60; stored; key=`+sfString(vk), "Accept-Language", "de")

	check("server error", "/err.bin", `edge-1; fwd=uri-miss; fwd-status=500; key="/err.bin"`)
	o.stop()
	check("origin down", "/down.bin", `edge-1; fwd=uri-miss; key="/down.bin"`)
}

// TestCacheStatusOnFreshHits: a fresh hit carries Cache-Status on a
// path under an rfc rule, and on the video defaults' paths only with
// CacheStatusOnHits (X-Cache names the hit there); a forwarded unsafe
// method carries fwd=method with the origin's status.
func TestCacheStatusOnFreshHits(t *testing.T) {
	for _, tc := range []struct {
		name        string
		flag        bool
		api, segHit string // Cache-Status of a fresh hit on each path
	}{
		{"default", false, "edge-1; hit; ttl=50", ""},
		{"CacheStatusOnHits", true, "edge-1; hit; ttl=50", "edge-1; hit; ttl=2591990"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			o.set("/api/x.json", &semObject{body: []byte("x"), etag: `"x"`, header: hdr("Cache-Control", "max-age=60")})
			o.set("/t/seg-1.m4s", &semObject{body: content("m", 100), etag: `"m"`, header: hdr("Cache-Control", "max-age=60")})
			rules, err := policy.ParseSet(append([]string{"/api/*=rfc"}, policy.DefaultRules...))
			if err != nil {
				t.Fatal(err)
			}
			e := semEdge(t, o, func(c *Config) { c.Policies, c.CacheStatusOnHits = rules, tc.flag })
			c := client(t)
			for _, p := range []string{"/api/x.json", "/t/seg-1.m4s"} {
				do(t, c, "GET", e.url+p)
			}
			waitIdle(t, e)
			clock.Advance(10 * time.Second)
			for p, want := range map[string]string{"/api/x.json": tc.api, "/t/seg-1.m4s": tc.segHit} {
				r := do(t, c, "GET", e.url+p)
				if !strings.HasPrefix(r.header.Get("X-Cache"), "HIT-") || r.header.Get("Cache-Status") != want {
					t.Fatalf("%s: X-Cache %q, Cache-Status %q; want a hit with %q", p, r.header.Get("X-Cache"), r.header.Get("Cache-Status"), want)
				}
			}
			if r := do(t, c, "POST", e.url+"/api/x.json"); r.header.Get("Cache-Status") != "edge-1; fwd=method; fwd-status=200" {
				t.Fatalf("POST: %d, Cache-Status %q", r.status, r.header.Get("Cache-Status"))
			}
		})
	}
}

// TestCacheStatusPartial: a stored object whose response needs slices
// that are neither in RAM nor on disk says fwd=partial (RFC 9211 §2.2),
// for one range and for several; once every slice is stored, hit.
func TestCacheStatusPartial(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	data := content("p", 700_000) // 3 slices of 256 KiB
	for _, p := range []string{"/whole.bin", "/multi.bin"} {
		o.set(p, &semObject{body: data, etag: `"p"`, header: hdr("Cache-Control", "max-age=600")})
	}
	e := rfcEdge(t, o, nil)
	c := client(t)
	for _, tc := range []struct {
		step, path, rng, status string
		code, origin            int // origin: requests for path so far
	}{
		{"first slice", "/whole.bin", "bytes=0-99", "edge-1; fwd=uri-miss; fwd-status=200; ttl=600; stored", 206, 1},
		{"whole, two slices missing", "/whole.bin", "", "edge-1; fwd=partial; ttl=600", 200, 3},
		{"whole, all stored", "/whole.bin", "", "edge-1; hit; ttl=600", 200, 3},
		{"first slice", "/multi.bin", "bytes=0-99", "edge-1; fwd=uri-miss; fwd-status=200; ttl=600; stored", 206, 1},
		{"two ranges, the second slice missing", "/multi.bin", "bytes=0-9,600000-600009", "edge-1; fwd=partial; ttl=600", 206, 2},
		{"two ranges in the first slice", "/multi.bin", "bytes=0-9,200-209", "edge-1; hit; ttl=600", 206, 2},
	} {
		var h []string
		if tc.rng != "" {
			h = []string{"Range", tc.rng}
		}
		r := do(t, c, "GET", e.url+tc.path, h...)
		waitIdle(t, e)
		n, _ := o.count(tc.path)
		if r.status != tc.code || r.header.Get("Cache-Status") != tc.status || n != tc.origin {
			t.Fatalf("%s: %d, Cache-Status %q, %d origin requests; want %d, %q, %d", tc.step, r.status, r.header.Get("Cache-Status"), n, tc.code, tc.status, tc.origin)
		}
		if tc.rng == "" && string(r.body) != string(data) {
			t.Fatalf("%s: %d bytes, not the object", tc.step, len(r.body))
		}
	}
}

// TestCacheStatusKeepsUpstreamMembers: the members upstream caches put
// in Cache-Status stay, in order, and this node's member comes last
// (RFC 9211 §2), on a miss, on a hit, and on a forwarded unsafe method;
// a video path's fresh hit without CacheStatusOnHits passes them alone.
func TestCacheStatusKeepsUpstreamMembers(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	const up = `shield; fwd=uri-miss; stored, "inner cache"; hit`
	h := hdr("Cache-Control", "max-age=60", "Cache-Status", "shield; fwd=uri-miss; stored", "Cache-Status", `"inner cache"; hit`)
	o.set("/a.json", &semObject{body: []byte("a"), etag: `"a"`, header: h})
	o.set("/t/seg-1.m4s", &semObject{body: []byte("s"), etag: `"s"`, header: h})
	o.post = func(*http.Request) (int, http.Header) { return 200, hdr("Cache-Status", "shield; fwd=method") }
	rules, err := policy.ParseSet(append([]string{"*.json=rfc"}, policy.DefaultRules...))
	if err != nil {
		t.Fatal(err)
	}
	e := semEdge(t, o, func(c *Config) { c.Policies = rules })
	c := client(t)
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/a.json", up + ", edge-1; fwd=uri-miss; fwd-status=200; ttl=60; stored"},
		{"GET", "/a.json", up + ", edge-1; hit; ttl=60"},
		{"GET", "/t/seg-1.m4s", up + ", edge-1; fwd=uri-miss; fwd-status=200; ttl=2592000; stored"},
		{"GET", "/t/seg-1.m4s", up},
		{"POST", "/a.json", "shield; fwd=method, edge-1; fwd=method; fwd-status=200"},
	} {
		r := do(t, c, tc.method, e.url+tc.path)
		if cs := r.header.Get("Cache-Status"); cs != tc.want {
			t.Fatalf("%s %s: Cache-Status %q, want %q", tc.method, tc.path, cs, tc.want)
		}
		waitIdle(t, e)
	}
}

// variantKeyFor returns the object key the edge files a request for
// path with field: value under.
func variantKeyFor(t *testing.T, e *edge, path, field, value string) string {
	t.Helper()
	names := e.srv.tiers.vary.lookup(path)
	if names == nil {
		return path
	}
	h := http.Header{}
	h.Set(field, value)
	return variantKey(path, names, h.Values)
}

func sfString(s string) string { return string(appendSFString(nil, s)) }

// TestCacheStatusCollapsed: requests that joined another's fetch say
// collapsed; the one that started it does not, and only it gets the
// origin's Set-Cookie.
func TestCacheStatusCollapsed(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	gate := make(chan struct{})
	o.set("/c.bin", &semObject{body: content("c", 100), etag: `"c"`, gate: gate, header: hdr("Cache-Control", "max-age=60", "Set-Cookie", "lb=1")})
	e := rfcEdge(t, o, nil)
	c := client(t)
	var mu sync.Mutex
	var got []string
	cookies := map[string]int{} // Cache-Status → answers with the cookie
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			r := do(t, c, "GET", e.url+"/c.bin")
			mu.Lock()
			got = append(got, r.header.Get("Cache-Status"))
			cookies[r.header.Get("Cache-Status")] += len(r.header.Values("Set-Cookie"))
			mu.Unlock()
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(e.srv.metrics.collapsed) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(gate)
	wg.Wait()
	collapsed := 0
	for _, cs := range got {
		if !strings.HasPrefix(cs, "edge-1; fwd=uri-miss; fwd-status=200; ttl=60; stored") {
			t.Fatalf("Cache-Status %q", cs)
		}
		if strings.HasSuffix(cs, "; collapsed") {
			collapsed++
		}
	}
	if n, _ := o.count("/c.bin"); n != 1 || collapsed != 3 {
		t.Fatalf("origin asked %d times, %d of 4 answers collapsed (%q); want 1 and 3", n, collapsed, got)
	}
	if len(cookies) != 2 {
		t.Fatalf("Set-Cookie by answer: %v", cookies)
	}
	for cs, n := range cookies {
		if want := map[bool]int{true: 0, false: 1}[strings.HasSuffix(cs, "; collapsed")]; n != want {
			t.Fatalf("%d Set-Cookie on the answers %q, want %d: only the request that fetched gets it", n, cs, want)
		}
	}
}

// TestTargetedCacheControl: CDN-Cache-Control, and a field targeted at
// this node, replace Cache-Control and Expires when valid (RFC 9213
// §2.2), the node's own first; an invalid one is ignored; both pass on
// to clients unless the operator strips them.
func TestTargetedCacheControl(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	const node = "Vodedge-CDN-Cache-Control"
	for _, tc := range []struct {
		name   string
		header http.Header
		edit   func(*Config)
		steps  []step
	}{
		{"CDN-Cache-Control stores what Cache-Control forbids", hdr("Cache-Control", "no-store", "CDN-Cache-Control", "max-age=600"), nil,
			[]step{miss(1), hitAt(599*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"CDN-Cache-Control forbids what Cache-Control allows", hdr("Cache-Control", "max-age=600", "CDN-Cache-Control", "no-store"), nil,
			[]step{miss(1), miss(2)}},
		{"Expires is ignored beside a valid targeted field", hdr("CDN-Cache-Control", "max-age=60", "Expires", now.Add(time.Hour).UTC().Format(http.TimeFormat)), nil,
			[]step{miss(1), hitAt(59*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"an invalid CDN-Cache-Control is ignored", hdr("Cache-Control", "max-age=10", "CDN-Cache-Control", "max-age=60,"), nil,
			[]step{miss(1), hitAt(9*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"a decimal max-age is malformed: stale", hdr("Cache-Control", "max-age=600", "CDN-Cache-Control", "max-age=1.5"), nil,
			[]step{miss(1), revalAt(time.Second, 2, 1)}},
		{"the last of two members wins", hdr("CDN-Cache-Control", "max-age=10, max-age=100"), nil,
			[]step{miss(1), hitAt(99*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"the node's field first", hdr("Cache-Control", "max-age=1", "CDN-Cache-Control", "max-age=10", node, "max-age=100"),
			func(c *Config) { c.TargetedCacheControl = node },
			[]step{miss(1), hitAt(99*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"the node's field unknown without the flag", hdr("Cache-Control", "max-age=1", "CDN-Cache-Control", "max-age=10", node, "max-age=100"), nil,
			[]step{miss(1), hitAt(9*time.Second, 1), revalAt(time.Second, 2, 1)}},
		{"CDN-Cache-Control off", hdr("Cache-Control", "max-age=10", "CDN-Cache-Control", "max-age=100"),
			func(c *Config) { c.CDNCacheControl = false },
			[]step{miss(1), hitAt(9*time.Second, 1), revalAt(time.Second, 2, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := testenv.NewClock(now)
			o := newSemOrigin(t, clock)
			o.set("/t.bin", &semObject{body: content("t", 1000), etag: `"t1"`, header: tc.header})
			e := rfcEdge(t, o, tc.edit)
			c := client(t)
			for i, s := range tc.steps {
				clock.Advance(s.after)
				r := do(t, c, "GET", e.url+"/t.bin")
				all, cond := o.count("/t.bin")
				if r.status != s.status || all != s.origin || cond != s.cond || !strings.Contains(cacheStatusOf(r), s.cache) {
					t.Fatalf("step %d (+%v): %d, origin %d (%d conditional), Cache-Status %q; want %d, %d (%d), %q",
						i, s.after, r.status, all, cond, cacheStatusOf(r), s.status, s.origin, s.cond, s.cache)
				}
				for _, k := range []string{"Cache-Control", "CDN-Cache-Control", node} {
					if got, want := r.header.Get(k), tc.header.Get(k); got != want {
						t.Fatalf("step %d: %s %q, want the origin's %q passed on", i, k, got, want)
					}
				}
				waitIdle(t, e)
			}
		})
	}
}

// TestTargetedCacheControlStripped: with StripTargetedCacheControl the
// targeted fields the edge obeys are not sent to clients, on a miss, a
// hit and a forwarded unsafe method; Cache-Control still is.
func TestTargetedCacheControlStripped(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	const node = "Vodedge-CDN-Cache-Control"
	h := hdr("Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=600", node, "max-age=60", "X-Other", "kept")
	o.set("/t.bin", &semObject{body: content("t", 1000), etag: `"t1"`, header: h})
	o.post = func(*http.Request) (int, http.Header) { return 200, h.Clone() }
	e := rfcEdge(t, o, func(c *Config) { c.TargetedCacheControl, c.StripTargetedCacheControl = node, true })
	c := client(t)
	for _, m := range []string{"GET", "GET", "POST"} {
		r := do(t, c, m, e.url+"/t.bin")
		if r.header.Get("CDN-Cache-Control") != "" || r.header.Get(node) != "" ||
			r.header.Get("Cache-Control") != "max-age=5" || r.header.Get("X-Other") != "kept" {
			t.Fatalf("%s: fields %v", m, r.header)
		}
		waitIdle(t, e)
	}
	if n, _ := o.count("/t.bin"); n != 2 { // the GET, then the POST
		t.Fatalf("origin asked %d times, want 2", n)
	}
}

// TestRequestDirectives checks each request directive of RFC 9111
// §5.2.1 against a real origin, with --honor-client-cache-control on.
func TestRequestDirectives(t *testing.T) {
	type call struct {
		after  time.Duration
		hdr    []string
		status int
		origin int    // origin requests so far
		cache  string // Cache-Status substring ("hit" for a fresh hit)
		body   string // the body wanted, when set
	}
	for _, tc := range []struct {
		name  string
		cc    string // the origin's Cache-Control
		v2    bool   // the origin has a new version after the first call
		calls []call
	}{
		{"max-age: an older copy is revalidated", "max-age=600", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{31 * time.Second, []string{"Cache-Control", "max-age=30"}, 200, 2, "fwd=request; fwd-status=304", ""},
			{10 * time.Second, []string{"Cache-Control", "max-age=30"}, 200, 2, "hit", ""},
		}},
		{"max-age: a copy exactly that old is used", "max-age=600", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{30 * time.Second, []string{"Cache-Control", "max-age=30"}, 200, 1, "hit", ""},
		}},
		{"min-fresh", "max-age=60", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{30 * time.Second, []string{"Cache-Control", "min-fresh=30"}, 200, 1, "hit", ""},
			{time.Second, []string{"Cache-Control", "min-fresh=30"}, 200, 2, "fwd=request; fwd-status=304", ""},
		}},
		{"max-stale without a value: any staleness", "max-age=10", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{1000 * time.Second, []string{"Cache-Control", "max-stale"}, 200, 1, "detail=max-stale", ""},
		}},
		{"max-stale with a value", "max-age=10", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{105 * time.Second, []string{"Cache-Control", "max-stale=100"}, 200, 1, "detail=max-stale", ""},
			{10 * time.Second, []string{"Cache-Control", "max-stale=100"}, 200, 2, "fwd=stale; fwd-status=304", ""},
		}},
		{"max-stale does not override must-revalidate", "max-age=10, must-revalidate", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{20 * time.Second, []string{"Cache-Control", "max-stale"}, 200, 2, "fwd=stale; fwd-status=304", ""},
		}},
		{"no-cache revalidates a fresh copy", "max-age=600", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{0, []string{"Cache-Control", "no-cache"}, 200, 2, "fwd=request; fwd-status=304", ""},
		}},
		{"no-store may use a fresh copy", "max-age=600", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{0, []string{"Cache-Control", "no-store"}, 200, 1, "hit", ""},
		}},
		{"no-store stores nothing of its answer", "max-age=10", true, []call{
			{0, nil, 200, 1, "uri-miss", "v1"},
			{20 * time.Second, []string{"Cache-Control", "no-store"}, 200, 2, "fwd=request; fwd-status=200", "v2"},
			{0, nil, 200, 3, "fwd=stale; fwd-status=200", "v2"},
			{0, nil, 200, 3, "hit", "v2"},
		}},
		{"only-if-cached", "max-age=10", false, []call{
			{0, []string{"Cache-Control", "only-if-cached"}, 504, 0, "", ""},
			{0, nil, 200, 1, "uri-miss", ""},
			{0, []string{"Cache-Control", "only-if-cached"}, 200, 1, "hit", ""},
			{20 * time.Second, []string{"Cache-Control", "only-if-cached"}, 504, 1, "", ""},
			{0, []string{"Cache-Control", "only-if-cached, max-stale"}, 200, 1, "detail=max-stale", ""},
		}},
		{"Pragma is ignored beside Cache-Control", "max-age=600", false, []call{
			{0, nil, 200, 1, "uri-miss", ""},
			{0, []string{"Cache-Control", "max-stale=5", "Pragma", "no-cache"}, 200, 1, "hit", ""},
			{0, []string{"Pragma", "no-cache"}, 200, 2, "fwd=request; fwd-status=304", ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			o.set("/d.json", &semObject{body: []byte("v1"), etag: `"v1"`, header: hdr("Cache-Control", tc.cc)})
			e := rfcEdge(t, o, func(c *Config) { c.HonorClientCacheControl, c.StaleIfError = true, 0 })
			c := client(t)
			for i, k := range tc.calls {
				clock.Advance(k.after)
				r := do(t, c, "GET", e.url+"/d.json", k.hdr...)
				n, _ := o.count("/d.json")
				cs := cacheStatusOf(r)
				if r.status != k.status || n != k.origin || !strings.Contains(cs, k.cache) || k.body != "" && string(r.body) != k.body {
					t.Fatalf("call %d %v: %d %q, origin %d, %q; want %d %q, %d, %q", i, k.hdr, r.status, r.body, n, cs, k.status, k.body, k.origin, k.cache)
				}
				waitIdle(t, e)
				if i == 0 && tc.v2 {
					o.edit("/d.json", func(ob *semObject) { ob.body, ob.etag = []byte("v2"), `"v2"` })
				}
			}
		})
	}
}

// TestMalformedResponseFields: where RFC 9111 rules on a malformed
// field the edge follows it, and where it leaves a choice it does what
// Varnish, Squid and Traffic Server do (see conformance.go).
func TestMalformedResponseFields(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	date := func(d time.Duration) string { return now.Add(d).UTC().Format(http.TimeFormat) }
	fresh := []step{miss(1), hitAt(100*time.Second, 1)}
	stale := []step{miss(1), revalAt(2*time.Second, 2, 1)}
	for _, tc := range []struct {
		name   string
		header http.Header
		steps  []step
	}{
		{"max-age with a fraction: its integer part", hdr("Cache-Control", "max-age=3600.5"), fresh},
		{"max-age with trailing letters: its digits", hdr("Cache-Control", "max-age=3600a"), fresh},
		{"max-age with a leading letter: stale", hdr("Cache-Control", "max-age=a3600"), stale},
		{"max-age negative: stale", hdr("Cache-Control", "max-age=-3600"), stale},
		{"spaces around =", hdr("Cache-Control", "max-age = 3600"), fresh},
		{"quoted max-age", hdr("Cache-Control", `max-age="3600"`), fresh},
		{"single-quoted max-age: stale", hdr("Cache-Control", `max-age='3600'`), stale},
		{"max-age inside a quoted extension is not one", hdr("Cache-Control", `ext="max-age=3600", max-age=1`), stale},
		{"two max-ages, one line: the first", hdr("Cache-Control", "max-age=3600, max-age=1"), fresh},
		{"two max-ages, one line, stale first: the first", hdr("Cache-Control", "max-age=1, max-age=3600"), stale},
		{"two max-ages, two lines: the first", hdr("Cache-Control", "max-age=3600", "Cache-Control", "max-age=1"), fresh},
		{"two Expires: the first", hdr("Expires", date(time.Hour), "Expires", date(time.Second)), fresh},
		{"two Expires, past first: the first", hdr("Expires", date(0), "Expires", date(time.Hour)), stale},
		{"Expires with a wrong-case zone is invalid: stale", hdr("Expires", strings.Replace(date(time.Hour), "GMT", "gmt", 1)), stale},
		{"Expires not a date: stale", hdr("Expires", "soon"), stale},
		{"Age not an integer is ignored", hdr("Cache-Control", "max-age=150", "Age", "100a"), fresh},
		{"Pragma on a response is ignored", hdr("Cache-Control", "max-age=3600", "Pragma", "no-cache"), fresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := testenv.NewClock(now)
			o := newSemOrigin(t, clock)
			o.set("/m.bin", &semObject{body: content("m", 500), etag: `"m1"`, lastMod: now.Add(-time.Minute), header: tc.header})
			e := rfcEdge(t, o, func(c *Config) { c.HeuristicFraction = 0 })
			c := client(t)
			for i, s := range tc.steps {
				clock.Advance(s.after)
				r := do(t, c, "GET", e.url+"/m.bin")
				all, cond := o.count("/m.bin")
				if r.status != s.status || all != s.origin || cond != s.cond || !strings.Contains(cacheStatusOf(r), s.cache) {
					t.Fatalf("step %d (+%v): %d, origin %d (%d conditional), Cache-Status %q; want %d, %d (%d), %q",
						i, s.after, r.status, all, cond, cacheStatusOf(r), s.status, s.origin, s.cond, s.cache)
				}
				waitIdle(t, e)
			}
		})
	}
}

// TestHeadRequests: a HEAD on a stored object is answered from the
// cache; a HEAD that finds nothing stored goes to the origin as a HEAD
// (nothing is stored from it), except on paths held immutable (media
// segments), where it fetches the first slice for the GET that follows.
func TestHeadRequests(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	body := content("h", 3000)
	for _, p := range []string{"/h.bin", "/t/seg-1.m4s"} {
		o.set(p, &semObject{body: body, etag: `"h1"`, header: hdr("Cache-Control", "max-age=600")})
	}
	set, err := policy.ParseSet(append([]string{"/h.bin=rfc"}, policy.DefaultRules...))
	if err != nil {
		t.Fatal(err)
	}
	e := semEdge(t, o, func(c *Config) { c.Policies = set })
	c := client(t)
	methods := func(p string) string {
		var m []string
		for _, r := range o.requests(p) {
			m = append(m, r.method)
		}
		return strings.Join(m, " ")
	}
	check := func(step, method, path string, status int, xcache, seen string) {
		t.Helper()
		r := do(t, c, method, e.url+path)
		if r.status != status || !strings.HasPrefix(r.header.Get("X-Cache"), xcache) || methods(path) != seen {
			t.Fatalf("%s: %d %s, origin saw %q; want %d %s, %q", step, r.status, r.header.Get("X-Cache"), methods(path), status, xcache, seen)
		}
		if method == "HEAD" && status == 200 && (r.header.Get("Content-Length") != "3000" || r.header.Get("ETag") != `"h1"`) {
			t.Fatalf("%s: Content-Length %q ETag %q", step, r.header.Get("Content-Length"), r.header.Get("ETag"))
		}
		if method == "GET" && status == 200 && string(r.body) != string(body) {
			t.Fatalf("%s: body of %d bytes", step, len(r.body))
		}
		waitIdle(t, e)
	}
	check("HEAD, nothing stored", "HEAD", "/h.bin", 200, "MISS", "HEAD")
	check("GET after it: nothing was stored", "GET", "/h.bin", 200, "MISS", "HEAD GET")
	check("HEAD of the stored object", "HEAD", "/h.bin", 200, "HIT", "HEAD GET")
	check("HEAD for a missing path", "HEAD", "/none.bin", 404, "MISS", "HEAD")
	check("HEAD of a cold segment fills", "HEAD", "/t/seg-1.m4s", 200, "MISS", "GET")
	check("GET of it is a hit", "GET", "/t/seg-1.m4s", 200, "HIT", "GET")
	// §4.3.5: a HEAD on a stale copy is not forwarded as HEAD; the copy
	// is revalidated with a conditional GET, whose 304 freshens it.
	clock.Advance(601 * time.Second)
	check("HEAD of the stale object", "HEAD", "/h.bin", 200, "", "HEAD GET GET")
	if r := o.requests("/h.bin")[2]; r.header.Get("If-None-Match") != `"h1"` {
		t.Fatalf("the HEAD's revalidation sent If-None-Match %q", r.header.Get("If-None-Match"))
	}
	check("GET after it is a hit", "GET", "/h.bin", 200, "HIT", "HEAD GET GET")
}

// TestAuthorizationStorage: the answer to a request with Authorization
// is stored, and used for later requests, only when the origin marked
// it shareable: public, s-maxage or must-revalidate (RFC 9111 §3.5).
func TestAuthorizationStorage(t *testing.T) {
	for _, tc := range []struct {
		cc     string
		stored bool
	}{
		{"public, max-age=60", true},
		{"s-maxage=60", true},
		{"max-age=60, must-revalidate", true},
		{"max-age=60", false},
		{"public, max-age=60, private", false},
	} {
		t.Run(tc.cc, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			o.set("/a.json", &semObject{body: []byte("a"), etag: `"a"`, header: hdr("Cache-Control", tc.cc, "Set-Cookie", "s=1")})
			e := rfcEdge(t, o, nil)
			c := client(t)
			r := do(t, c, "GET", e.url+"/a.json", "Authorization", "Bearer u1")
			if got := o.requests("/a.json")[0].header.Get("Authorization"); r.status != 200 || got != "Bearer u1" {
				t.Fatalf("first: %d, origin saw Authorization %q", r.status, got)
			}
			waitIdle(t, e)
			want := 2
			if tc.stored {
				want = 1
			}
			for _, h := range [][]string{nil, {"Authorization", "Bearer u2"}} {
				r = do(t, c, "GET", e.url+"/a.json", h...)
				if r.header.Get("Set-Cookie") != "" && tc.stored {
					t.Fatalf("a stored answer carried the first requester's cookie: %v", r.header)
				}
				if n, _ := o.count("/a.json"); n != want {
					t.Fatalf("after %v: origin asked %d times, want %d", h, n, want)
				}
				waitIdle(t, e)
				if !tc.stored {
					want++
				}
			}
		})
	}
}

// TestOriginRangesRoundedDown: an origin that answers each Range with a
// 206 starting at its own 100,000-byte block boundary (before the offset
// asked) still serves every slice and range exactly; no 502.
func TestOriginRangesRoundedDown(t *testing.T) {
	o := testenv.NewOrigin(t)
	data := content("r", 700_000)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		var first, last int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &first, &last); err != nil {
			w.Write(data)
			return true
		}
		first -= first % 100_000
		last = min(last, len(data)-1)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, len(data)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[first : last+1])
		return true
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	if r := do(t, c, "GET", e.url+"/x.bin", "Range", "bytes=600000-600099"); r.status != 206 || string(r.body) != string(data[600000:600100]) {
		t.Fatalf("deep range: %d, %d bytes", r.status, len(r.body))
	}
	if r := do(t, c, "GET", e.url+"/x.bin"); r.status != 200 || string(r.body) != string(data) {
		t.Fatalf("whole: %d, %d bytes", r.status, len(r.body))
	}
}

// TestEarlyHintsForwarded: a 103 the origin sends before its answer
// reaches the client waiting on the miss before the answer does (the
// origin holds its answer until the client has seen the 103); the hints
// are not stored: a hit sends none, and the final answer carries only
// the origin's final fields.
func TestEarlyHintsForwarded(t *testing.T) {
	o := testenv.NewOrigin(t)
	seen := make(chan struct{})
	var once sync.Once
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		select {
		case <-seen:
		case <-time.After(10 * time.Second): // the edge did not pass it on: answer anyway
		}
		w.Header().Set("Link", "</final>; rel=canonical")
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "hello")
		return true
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{HeaderTimeout: 20 * time.Second}))
	c := client(t)
	get := func() (reply, []string) {
		var mu sync.Mutex
		var hints []string
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			if code == http.StatusEarlyHints {
				mu.Lock()
				hints = append(hints, h.Values("Link")...)
				mu.Unlock()
				once.Do(func() { close(seen) })
			}
			return nil
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", e.url+"/page.html", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		mu.Lock()
		defer mu.Unlock()
		return reply{resp.StatusCode, resp.Header, b}, hints
	}
	r, hints := get()
	if r.status != 200 || string(r.body) != "hello" || len(hints) != 1 || hints[0] != "</style.css>; rel=preload; as=style" {
		t.Fatalf("miss: %d %q, hints %q", r.status, r.body, hints)
	}
	if got := r.header.Values("Link"); len(got) != 1 || got[0] != "</final>; rel=canonical" {
		t.Fatalf("final Link %q, want only the origin's final one", got)
	}
	waitIdle(t, e)
	r, hints = get()
	if !strings.HasPrefix(r.header.Get("X-Cache"), "HIT") || len(hints) != 0 {
		t.Fatalf("hit: %s, hints %q", r.header.Get("X-Cache"), hints)
	}
}

// TestQueryInKeyPerPattern: a rule with the query flag puts the query
// string into the key of the paths it matches (each query its own
// object, sent to the origin, invalidated by an unsafe method on it);
// elsewhere, and on every default rule (media segments carry tokens),
// the query is not part of the key.
func TestQueryInKeyPerPattern(t *testing.T) {
	o := testenv.NewOrigin(t)
	var mu sync.Mutex
	seen := map[string]int{} // path?query → requests
	var edgeURL string       // set once the edge runs; protected by mu
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		seen[r.Method+" "+r.URL.RequestURI()]++
		here := edgeURL
		mu.Unlock()
		if r.URL.Path == "/api/make" {
			w.Header().Set("Location", "/api/list?page=2")
			w.Header().Set("Content-Location", here+"/api/list?page=1")
			w.WriteHeader(http.StatusCreated)
			return true
		}
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "q="+r.URL.RawQuery)
		return true
	})
	set, err := policy.ParseSet(append([]string{"/api/*=rfc,query"}, policy.DefaultRules...))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Policies = set
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	mu.Lock()
	edgeURL = e.url
	mu.Unlock()
	c := client(t)
	count := func(k string) int { mu.Lock(); defer mu.Unlock(); return seen[k] }
	for i, s := range []struct {
		target, body, originKey string
		origin                  int
	}{
		{"/api/list?page=1", "q=page=1", "GET /api/list?page=1", 1},
		{"/api/list?page=2", "q=page=2", "GET /api/list?page=2", 1},
		{"/api/list?page=1", "q=page=1", "GET /api/list?page=1", 1}, // a hit
		{"/api/list", "q=", "GET /api/list", 1},
		{"/t/seg-1.m4s?token=a", "q=", "GET /t/seg-1.m4s", 1},
		{"/t/seg-1.m4s?token=b", "q=", "GET /t/seg-1.m4s", 1}, // the query is not in a segment's key
	} {
		r := do(t, c, "GET", e.url+s.target)
		if r.status != 200 || string(r.body) != s.body || count(s.originKey) != s.origin {
			t.Fatalf("step %d %s: %d %q, origin saw %q %d times; want %q, %d", i, s.target, r.status, r.body, s.originKey, count(s.originKey), s.body, s.origin)
		}
		if i == 0 && r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
		}
		waitIdle(t, e)
	}
	if r := doBody(t, c, "POST", e.url+"/api/list?page=1", "x"); r.status != 200 || count("POST /api/list?page=1") != 1 {
		t.Fatalf("POST: %d", r.status)
	}
	waitIdle(t, e)
	do(t, c, "GET", e.url+"/api/list?page=1")
	do(t, c, "GET", e.url+"/api/list?page=2")
	if count("GET /api/list?page=1") != 2 || count("GET /api/list?page=2") != 1 {
		t.Fatalf("after POST ?page=1: origin saw page=1 %d, page=2 %d times; want 2 and 1", count("GET /api/list?page=1"), count("GET /api/list?page=2"))
	}
	waitIdle(t, e)
	// A Location (relative) and a Content-Location (absolute, this host)
	// with queries invalidate those keys, not the path's other keys.
	if r := doBody(t, c, "POST", e.url+"/api/make", "x"); r.status != 201 {
		t.Fatalf("POST /api/make: %d", r.status)
	}
	waitIdle(t, e)
	for _, p := range []string{"/api/list?page=1", "/api/list?page=2", "/api/list"} {
		do(t, c, "GET", e.url+p)
	}
	if a, b, c := count("GET /api/list?page=1"), count("GET /api/list?page=2"), count("GET /api/list"); a != 3 || b != 2 || c != 1 {
		t.Fatalf("after a POST naming page=2 and page=1: origin saw page=1 %d, page=2 %d, no query %d times; want 3, 2, 1", a, b, c)
	}
	waitIdle(t, e)
	// The admin purge of a key with a query removes that key only.
	const token = "test-token-0123456789abcdef"
	api := httptest.NewServer(admin.RequireToken([]string{token}, nil, e.srv.AdminRoutes()))
	defer api.Close()
	req, _ := http.NewRequest("POST", api.URL+"/v1/purge?key="+url.QueryEscape("/api/list?page=2"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", api.URL+"/v1/objects/stat?key="+url.QueryEscape("/api/list?page=1"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	stat, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(stat.Body)
	stat.Body.Close()
	if stat.StatusCode != 200 || !strings.Contains(string(body), `"key": "/api/list?page=1"`) {
		t.Fatalf("stat of page=1: %d %s", stat.StatusCode, body)
	}
	for _, p := range []string{"/api/list?page=1", "/api/list?page=2", "/api/list"} {
		do(t, c, "GET", e.url+p)
	}
	if a, b, c := count("GET /api/list?page=1"), count("GET /api/list?page=2"), count("GET /api/list"); resp.StatusCode != 200 || a != 3 || b != 3 || c != 1 {
		t.Fatalf("purge of page=2: %d; origin saw page=1 %d, page=2 %d, no query %d times; want 200; 3, 3, 1", resp.StatusCode, a, b, c)
	}
	if r := do(t, c, "GET", e.url+"/api/list?a=%01"); r.status != 200 {
		t.Fatalf("percent-encoded query: %d", r.status)
	}
}

// TestServerErrorForALaterSlice: an origin 503 (even one it allows to be
// stored) for a later slice of a stored object cuts that response but
// does not replace the object: its first slice is still a hit.
func TestServerErrorForALaterSlice(t *testing.T) {
	o := testenv.NewOrigin(t)
	data := content("s", 600_000) // three 256 KiB slices
	var mu sync.Mutex
	failing := false
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		f := failing
		mu.Unlock()
		if f && r.Header.Get("Range") != "" && !strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
			w.Header().Set("Cache-Control", "max-age=600")
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "busy")
			return true
		}
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("ETag", `"s"`)
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(data)))
		return true
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	if r := do(t, c, "GET", e.url+"/s.bin", "Range", "bytes=0-99"); r.status != 206 {
		t.Fatalf("first slice: %d", r.status)
	}
	waitIdle(t, e)
	mu.Lock()
	failing = true
	mu.Unlock()
	r := do(t, c, "GET", e.url+"/s.bin", "Range", "bytes=300000-300099")
	if r.status != 503 || string(r.body) != "busy" {
		t.Fatalf("later slice while the origin fails: %d %q, want its 503", r.status, r.body)
	}
	waitIdle(t, e)
	r = do(t, c, "GET", e.url+"/s.bin", "Range", "bytes=0-99")
	if r.status != 206 || string(r.body) != string(data[:100]) || !strings.HasPrefix(r.header.Get("X-Cache"), "HIT") {
		t.Fatalf("first slice after the 503: %d %s", r.status, r.header.Get("X-Cache"))
	}
}
