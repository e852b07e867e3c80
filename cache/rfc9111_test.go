package cache

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// step is one request of a freshness case, made after moving the clock.
type step struct {
	after  time.Duration // clock moved before the request
	status int
	origin int    // origin requests for the path so far
	cond   int    // of which conditional
	cache  string // Cache-Status substring: "hit", "uri-miss", "fwd-status=304", …
	age    int    // Age wanted when >= 0
}

func (s step) with(age int) step { s.age = age; return s }

// Shorthands for the usual steps.
func miss(n int) step { return step{status: 200, origin: n, cache: "fwd=uri-miss", age: -1} }
func hitAt(d time.Duration, n int) step {
	return step{after: d, status: 200, origin: n, cache: "; hit", age: -1}
}
func revalAt(d time.Duration, n, cond int) step {
	return step{after: d, status: 200, origin: n, cond: cond, cache: "fwd-status=304", age: -1}
}

// TestFreshnessAndStorage runs each case against its own origin and edge:
// the origin answers with the case's header fields, and each step checks
// whether the edge answered from its copy, revalidated it or fetched.
func TestFreshnessAndStorage(t *testing.T) {
	type tc struct {
		name  string
		path  string
		obj   semObject
		steps []step
	}
	now := time.Now().Truncate(time.Second)
	date := func(d time.Duration) string { return now.Add(d).UTC().Format(http.TimeFormat) }
	etag := `"e1"`
	cases := []tc{
		// Freshness lifetime (RFC 9111 §4.2.1).
		{"max-age", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "max-age=60")},
			[]step{miss(1), hitAt(30*time.Second, 1).with(30), revalAt(31*time.Second, 2, 1).with(0)}},
		{"s-maxage beats max-age", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "max-age=10, s-maxage=100")},
			[]step{miss(1), hitAt(50*time.Second, 1), revalAt(51*time.Second, 2, 1)}},
		{"max-age beats Expires", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "max-age=10", "Expires", date(time.Hour))},
			[]step{miss(1), revalAt(20*time.Second, 2, 1)}},
		{"Expires minus Date", "/a.bin", semObject{etag: etag, header: hdr("Expires", date(100*time.Second))},
			[]step{miss(1), hitAt(50*time.Second, 1), revalAt(51*time.Second, 2, 1)}},
		{"invalid Expires is stale", "/a.bin", semObject{etag: etag, header: hdr("Expires", "0")},
			[]step{miss(1), revalAt(time.Second, 2, 1)}},
		{"heuristic: 10% of the time since Last-Modified", "/a.bin", semObject{etag: etag, lastMod: now.Add(-1000 * time.Second).Truncate(time.Second)},
			[]step{miss(1), hitAt(99*time.Second, 1), revalAt(2*time.Second, 2, 1)}},
		{"no-cache revalidates every use", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "no-cache, max-age=600")},
			[]step{miss(1), revalAt(0, 2, 1), revalAt(0, 3, 2)}},
		{"Age from upstream counts", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "max-age=100", "Age", "90")},
			[]step{miss(1).with(90), hitAt(5*time.Second, 1).with(95), revalAt(6*time.Second, 2, 1)}},
		{"immutable directive", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "max-age=60, immutable")},
			[]step{miss(1), hitAt(59*time.Second, 1)}},
		// Per-path policy (the defaults).
		{"segment immutable whatever the origin says", "/t/seg-1.m4s", semObject{etag: etag, header: hdr("Cache-Control", "no-cache")},
			[]step{miss(1), hitAt(24*time.Hour, 1), hitAt(28*24*time.Hour, 1)}},
		{"playlist floor", "/t/live.m3u8", semObject{etag: etag, header: hdr("Cache-Control", "max-age=0")},
			[]step{miss(1), hitAt(500*time.Millisecond, 1), revalAt(time.Second, 2, 1)}},
		{"playlist floor counts from arrival", "/t/aged.m3u8", semObject{etag: etag, header: hdr("Cache-Control", "max-age=0", "Age", "30")},
			[]step{miss(1), hitAt(900*time.Millisecond, 1)}},
		{"playlist ceiling", "/t/vod.m3u8", semObject{etag: etag, header: hdr("Cache-Control", "max-age=3600")},
			[]step{miss(1), hitAt(9*time.Second, 1), revalAt(2*time.Second, 2, 1)}},
		// What may be stored (RFC 9111 §3).
		{"no-store is never stored", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "no-store, max-age=60")},
			[]step{miss(1), miss(2)}},
		{"private is never stored", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", "private, max-age=60")},
			[]step{miss(1), miss(2)}},
		{"private= stores without the field", "/a.bin", semObject{etag: etag, header: hdr("Cache-Control", `private="X-User", max-age=60`, "X-User", "alice")},
			[]step{miss(1), hitAt(time.Second, 1)}},
		{"no freshness and no validator is not stored", "/a.bin", semObject{header: hdr("Cache-Control", "max-age=0"), lastMod: time.Unix(0, 0)},
			[]step{miss(1), miss(2)}},
		{"302 without freshness is not stored", "/a.bin", semObject{status: 302, body: []byte("x")},
			[]step{{status: 302, origin: 1, age: -1}, {status: 302, origin: 2, age: -1}}},
		{"302 with max-age is stored", "/a.bin", semObject{status: 302, header: hdr("Cache-Control", "max-age=60")},
			[]step{{status: 302, origin: 1, age: -1}, {after: time.Second, status: 302, origin: 1, cache: "; hit", age: -1}}},
		{"301 heuristically cacheable", "/a.bin", semObject{status: 301, header: hdr("Last-Modified", date(-1000*time.Second))},
			[]step{{status: 301, origin: 1, age: -1}, {after: 50 * time.Second, status: 301, origin: 1, cache: "; hit", age: -1}}},
		{"204 with max-age", "/a.bin", semObject{status: 204, header: hdr("Cache-Control", "max-age=60")},
			[]step{{status: 204, origin: 1, age: -1}, {after: time.Second, status: 204, origin: 1, cache: "; hit", age: -1}}},
		{"501 with max-age", "/a.bin", semObject{status: 501, header: hdr("Cache-Control", "max-age=60")},
			[]step{{status: 501, origin: 1, age: -1}, {after: time.Second, status: 501, origin: 1, cache: "; hit", age: -1}}},
		{"403 is not cacheable by default", "/a.bin", semObject{status: 403, header: hdr("Last-Modified", date(-time.Hour))},
			[]step{{status: 403, origin: 1, age: -1}, {status: 403, origin: 2, age: -1}}},
		{"403 with max-age is stored", "/a.bin", semObject{status: 403, header: hdr("Cache-Control", "max-age=60")},
			[]step{{status: 403, origin: 1, age: -1}, {status: 403, origin: 1, cache: "; hit", age: -1}}},
		// 404: the origin's headers first, --negative-ttl (1 min here) otherwise.
		{"404 remembered for the negative TTL", "/none.m4s", semObject{status: 404},
			[]step{{status: 404, origin: 1, age: -1}, {after: 59 * time.Second, status: 404, origin: 1, cache: "; hit", age: -1}, {after: 2 * time.Second, status: 404, origin: 2, age: -1}}},
		{"404 with max-age outlives the negative TTL", "/none.m4s", semObject{status: 404, header: hdr("Cache-Control", "max-age=300")},
			[]step{{status: 404, origin: 1, age: -1}, {after: 200 * time.Second, status: 404, origin: 1, cache: "; hit", age: -1}}},
		{"410 with no-store is not remembered", "/none.m4s", semObject{status: 410, header: hdr("Cache-Control", "no-store")},
			[]step{{status: 410, origin: 1, age: -1}, {status: 410, origin: 2, age: -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := testenv.NewClock(now)
			o := newSemOrigin(t, clock)
			obj := c.obj
			if obj.body == nil && obj.status == 0 {
				obj.body = content("v1", 1000)
			}
			o.set(c.path, &obj)
			e := semEdge(t, o, nil)
			cl := client(t)
			for i, s := range c.steps {
				clock.Advance(s.after)
				r := do(t, cl, "GET", e.url+c.path)
				all, cond := o.count(c.path)
				if r.status != s.status || all != s.origin || cond != s.cond || !strings.Contains(cacheStatusOf(r), s.cache) {
					t.Fatalf("step %d (+%v): %d, origin %d (%d conditional), Cache-Status %q; want %d, %d (%d), %q",
						i, s.after, r.status, all, cond, cacheStatusOf(r), s.status, s.origin, s.cond, s.cache)
				}
				if s.age >= 0 {
					if got, _ := strconv.Atoi(r.header.Get("Age")); got != s.age {
						t.Fatalf("step %d: Age %q, want %d", i, r.header.Get("Age"), s.age)
					}
				}
				if r.status >= 400 && strings.HasPrefix(r.header.Get("Content-Type"), "video/") {
					t.Fatalf("step %d: a %d answered as %s", i, r.status, r.header.Get("Content-Type"))
				}
				if r.header.Get("X-User") != "" {
					t.Fatalf("step %d: a field named by private= was passed on", i)
				}
				waitIdle(t, e)
			}
		})
	}
}
