package cache

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// TestVaryVariants: a response with Vary is stored per variant, keyed by
// the nominated request fields normalized; the nominated fields are
// forwarded to the origin; Vary: * is never served from the cache; the
// variants of one URL are bounded.
func TestVaryVariants(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/ae.m3u8", &semObject{body: []byte("ae"), etag: `"ae"`, varyOn: "Accept-Encoding", header: hdr("Cache-Control", "max-age=60", "Vary", "Accept-Encoding")})
	o.set("/dev.json", &semObject{body: []byte("dev"), etag: `"d"`, varyOn: "X-Device", header: hdr("Cache-Control", "max-age=60", "Vary", "x-device")})
	o.set("/star.json", &semObject{body: []byte("star"), etag: `"s"`, header: hdr("Cache-Control", "max-age=60", "Vary", "*")})
	o.set("/many.json", &semObject{body: []byte("many"), etag: `"m"`, varyOn: "Accept-Language", header: hdr("Cache-Control", "max-age=60", "Vary", "Accept-Language")})
	e := semEdge(t, o, func(c *Config) { c.MaxVariants = 3 })
	c := client(t)
	type req struct {
		path   string
		hdr    []string
		body   string
		origin int // origin requests for path so far
	}
	for i, r := range []req{
		{"/ae.m3u8", []string{"Accept-Encoding", "gzip"}, "ae|gzip", 1},
		{"/ae.m3u8", []string{"Accept-Encoding", "gzip"}, "ae|gzip", 1},
		{"/ae.m3u8", []string{"Accept-Encoding", " GZIP "}, "ae|gzip", 1}, // normalized
		{"/ae.m3u8", []string{"Accept-Encoding", "br"}, "ae|br", 2},
		{"/ae.m3u8", nil, "ae|", 3},
		{"/ae.m3u8", []string{"Accept-Encoding", "br"}, "ae|br", 3},
		{"/ae.m3u8", nil, "ae|", 3},
		// X-Device is not forwarded until a Vary names it: the first
		// answer is the variant without it; the request that has it gets
		// its own, fetched with the field.
		{"/dev.json", []string{"X-Device", "tv"}, "dev|tv", 2},
		{"/dev.json", []string{"X-Device", "tv"}, "dev|tv", 2},
		{"/dev.json", nil, "dev|", 2},
		{"/dev.json", []string{"X-Device", "phone"}, "dev|phone", 3},
		{"/star.json", nil, "star", 1},
		{"/star.json", nil, "star", 2},
		{"/many.json", []string{"Accept-Language", "fr"}, "many|fr", 1},
		{"/many.json", []string{"Accept-Language", "de"}, "many|de", 2},
		{"/many.json", []string{"Accept-Language", "es"}, "many|es", 3},
		{"/many.json", []string{"Accept-Language", "it"}, "many|it", 4}, // a fourth variant: not stored
		{"/many.json", []string{"Accept-Language", "it"}, "many|it", 5},
		{"/many.json", []string{"Accept-Language", "fr"}, "many|fr", 5},
	} {
		got := do(t, c, "GET", e.url+r.path, r.hdr...)
		if n, _ := o.count(r.path); string(got.body) != r.body || n != r.origin {
			t.Fatalf("request %d %s %v: %q after %d origin requests; want %q after %d", i, r.path, r.hdr, got.body, n, r.body, r.origin)
		}
		if v := got.header.Get("Vary"); r.path == "/ae.m3u8" && v != "Accept-Encoding" {
			t.Fatalf("request %d: Vary %q not passed on", i, v)
		}
		waitIdle(t, e)
	}
	// The nominated field went to the origin.
	seen := map[string]bool{}
	for _, r := range o.requests("/ae.m3u8") {
		seen[r.header.Get("Accept-Encoding")] = true
	}
	if !seen["gzip"] || !seen["br"] || !seen[""] {
		t.Fatalf("origin saw Accept-Encoding %v", seen)
	}
	if devs := o.requests("/dev.json"); devs[1].header.Get("X-Device") != "tv" {
		t.Fatalf("X-Device not forwarded once nominated: %v", devs[1].header)
	}
	for reason, want := range map[string]float64{"vary_star": 2, "too_many_variants": 2} {
		if v := testutil.ToFloat64(e.srv.metrics.uncacheableV.WithLabelValues(reason)); v != want {
			t.Errorf("uncacheable{%s} = %v, want %v", reason, v, want)
		}
	}
}

// TestVaryCollapsedRequests: requests of different variants that arrive
// while the URL's Vary is not known yet each get their own variant.
func TestVaryCollapsedRequests(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	gate := make(chan struct{})
	o.set("/c.m3u8", &semObject{body: []byte("c"), etag: `"c"`, varyOn: "Accept-Language", gate: gate, header: hdr("Cache-Control", "max-age=60", "Vary", "Accept-Language")})
	e := semEdge(t, o, nil)
	c := client(t)
	var wg sync.WaitGroup
	langs := []string{"fr", "de", "fr", "de", "en"}
	for i, l := range langs {
		wg.Go(func() {
			r := do(t, c, "GET", e.url+"/c.m3u8", "Accept-Language", l)
			if string(r.body) != "c|"+l {
				t.Errorf("request %d (%s) got %q", i, l, r.body)
			}
		})
	}
	testenv.Eventually(t, 5e9, "the first fetch to reach the origin", func() bool { n, _ := o.count("/c.m3u8"); return n >= 1 })
	close(gate)
	wg.Wait()
	if n, _ := o.count("/c.m3u8"); n > len(langs) || n < 3 {
		t.Fatalf("%d origin requests for %d requests of 3 variants", n, len(langs))
	}
	waitIdle(t, e)
	before, _ := o.count("/c.m3u8")
	for _, l := range []string{"fr", "de", "en"} {
		if r := do(t, c, "GET", e.url+"/c.m3u8", "Accept-Language", l); string(r.body) != "c|"+l {
			t.Fatalf("%s: %q", l, r.body)
		}
	}
	if n, _ := o.count("/c.m3u8"); n != before {
		t.Fatalf("variants not cached: %d more origin requests", n-before)
	}
}

// TestUnsafeMethodsInvalidate: POST, PUT, DELETE, PATCH and methods the
// edge does not know go to the origin with their body; a success invalidates the target and the
// Location and Content-Location targets on the same host; a failure
// invalidates nothing; bodies are bounded.
func TestUnsafeMethodsInvalidate(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	for _, p := range []string{"/u.m3u8", "/loc.m3u8", "/cl.m3u8", "/other.m3u8", "/kept.m3u8"} {
		o.set(p, &semObject{body: []byte(p), etag: `"x"`, varyOn: "Accept-Language", header: hdr("Cache-Control", "max-age=600", "Vary", "Accept-Language")})
	}
	e := semEdge(t, o, func(c *Config) { c.MaxRequestBodyBytes = 1000 })
	host := strings.TrimPrefix(e.url, "http://")
	o.post = func(r *http.Request) (int, http.Header) {
		switch r.URL.Path {
		case "/fail":
			return 500, nil
		case "/make":
			return 201, hdr("Location", "/loc.m3u8", "Content-Location", "http://"+host+"/cl.m3u8")
		case "/elsewhere":
			return 200, hdr("Location", "http://other.example/other.m3u8")
		}
		return 200, hdr("Via", "1.1 api")
	}
	c := client(t)
	warm := func() {
		for _, p := range []string{"/u.m3u8", "/loc.m3u8", "/cl.m3u8", "/other.m3u8", "/kept.m3u8"} {
			for _, l := range []string{"fr", "de"} {
				do(t, c, "GET", e.url+p, "Accept-Language", l)
			}
		}
		waitIdle(t, e)
	}
	cachedNow := func(p string) bool { // both variants answered without the origin
		before, _ := o.count(p)
		for _, l := range []string{"fr", "de"} {
			do(t, c, "GET", e.url+p, "Accept-Language", l)
		}
		after, _ := o.count(p)
		return before == after
	}
	warm()
	for _, tc := range []struct {
		method, target string
		status         int
		gone, kept     []string
	}{
		{"POST", "/u.m3u8?x=1", 200, []string{"/u.m3u8"}, []string{"/kept.m3u8"}},
		{"PUT", "/u.m3u8", 200, []string{"/u.m3u8"}, nil},
		{"DELETE", "/u.m3u8", 200, []string{"/u.m3u8"}, nil},
		{"PATCH", "/u.m3u8", 200, []string{"/u.m3u8"}, nil},
		// Methods the edge does not know are unsafe to it (RFC 9111 §4.4).
		{"FROBNICATE", "/u.m3u8", 200, []string{"/u.m3u8"}, []string{"/kept.m3u8"}},
		{"PROPPATCH", "/make", 201, []string{"/loc.m3u8", "/cl.m3u8"}, []string{"/kept.m3u8"}},
		{"FROBNICATE", "/fail", 500, nil, []string{"/kept.m3u8"}},
		{"POST", "/make", 201, []string{"/loc.m3u8", "/cl.m3u8"}, []string{"/kept.m3u8"}},
		{"POST", "/elsewhere", 200, nil, []string{"/other.m3u8"}},
		{"POST", "/fail", 500, nil, []string{"/kept.m3u8"}},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			warm()
			req, _ := http.NewRequest(tc.method, e.url+tc.target, strings.NewReader(`{"n":1}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.HasSuffix(resp.Header.Get("Via"), "1.1 edge-1") {
				t.Fatalf("%d Via %q, want %d from the origin", resp.StatusCode, resp.Header.Get("Via"), tc.status)
			}
			last := o.requests("")[len(o.requests(""))-1]
			if last.method != tc.method || last.body != `{"n":1}` || last.header.Get("Content-Type") != "application/json" {
				t.Fatalf("origin saw %s %q %v", last.method, last.body, last.header)
			}
			for _, p := range tc.gone {
				if cachedNow(p) {
					t.Errorf("%s still cached after %s %s", p, tc.method, tc.target)
				}
			}
			for _, p := range tc.kept {
				if !cachedNow(p) {
					t.Errorf("%s invalidated by %s %s", p, tc.method, tc.target)
				}
			}
		})
	}
	big := strings.Repeat("x", 2000)
	before := len(o.requests(""))
	if r := doBody(t, c, "POST", e.url+"/u.m3u8", big); r.status != 413 || len(o.requests("")) != before {
		t.Fatalf("oversized body: %d, origin saw it: %v", r.status, len(o.requests("")) != before)
	}
	if v := testutil.ToFloat64(e.srv.metrics.invalidations); v < 6 {
		t.Fatalf("invalidations = %v", v)
	}
}

func doBody(t *testing.T, c *http.Client, method, url, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return reply{status: resp.StatusCode, header: resp.Header}
}

// TestUnsafeMethodsWithoutForwarder: origins that cannot take unsafe
// methods (file, S3, the sample) answer 405.
func TestUnsafeMethodsWithoutForwarder(t *testing.T) {
	e := startEdge(t, testConfig(), origin.NewSample())
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		r := do(t, client(t), m, e.url+"/x.m4s")
		if r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q", m, r.status, r.header.Get("Allow"))
		}
	}
}
