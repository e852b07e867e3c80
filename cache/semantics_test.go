package cache

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// semanticsEdge is an edge with 256 KiB slices in front of an origin
// holding objects of sizes around the slice boundaries.
func semanticsEdge(t *testing.T) (*edge, *testenv.Origin, *http.Client) {
	o := testenv.NewOrigin(t)
	for _, sz := range []int64{0, 1, 1000, 256 << 10, 256<<10 + 1, 1<<20 + 12345} {
		o.PutPattern(fmt.Sprintf("/obj/%d.m4s", sz), sz)
	}
	o.PutPattern("/title/master.m3u8", 300)
	o.PutPattern("/title/manifest.mpd", 300)
	o.PutPattern("/title/seg.ts", 300)
	o.PutPattern("/title/subs.vtt", 300)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	return e, o, client(t)
}

func TestRangesReturnExactBytes(t *testing.T) {
	e, _, c := semanticsEdge(t)
	const size = 1<<20 + 12345
	url := e.url + fmt.Sprintf("/obj/%d.m4s", size)
	cases := []struct {
		name, rng string
		from, to  int64 // expected [from, to)
	}{
		{"first byte", "bytes=0-0", 0, 1},
		{"within first slice", "bytes=100-199", 100, 200},
		{"across a slice boundary", "bytes=262100-262200", 262100, 262201},
		{"across three slices", "bytes=200000-800000", 200000, 800001},
		{"open-ended", "bytes=1000000-", 1000000, size},
		{"suffix", "bytes=-500", size - 500, size},
		{"suffix longer than object", "bytes=-99999999", 0, size},
		{"end clipped", "bytes=1048000-99999999", 1048000, size},
		{"last byte", fmt.Sprintf("bytes=%d-", size-1), size - 1, size},
	}
	for pass := range 2 { // cold, then from the RAM tier
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/pass%d", tc.name, pass), func(t *testing.T) {
				r := do(t, c, "GET", url, "Range", tc.rng)
				if r.status != 206 {
					t.Fatalf("status %d, want 206", r.status)
				}
				wantCR := fmt.Sprintf("bytes %d-%d/%d", tc.from, tc.to-1, size)
				if got := r.header.Get("Content-Range"); got != wantCR {
					t.Fatalf("Content-Range %q, want %q", got, wantCR)
				}
				if !bytes.Equal(r.body, testenv.PatternBytes(tc.from, tc.to)) {
					t.Fatalf("body differs from origin bytes [%d,%d)", tc.from, tc.to)
				}
				if r.header.Get("Content-Length") != strconv.FormatInt(tc.to-tc.from, 10) {
					t.Fatalf("Content-Length %q", r.header.Get("Content-Length"))
				}
			})
		}
	}
}

func TestWholeObjectsOfEverySize(t *testing.T) {
	e, _, c := semanticsEdge(t)
	for _, sz := range []int64{0, 1, 1000, 256 << 10, 256<<10 + 1, 1<<20 + 12345} {
		for pass, want := range []string{"MISS", "HIT-RAM"} {
			r := do(t, c, "GET", e.url+fmt.Sprintf("/obj/%d.m4s", sz))
			if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, sz)) {
				t.Fatalf("size %d pass %d: status %d, %d bytes", sz, pass, r.status, len(r.body))
			}
			if got := r.header.Get("X-Cache"); got != want {
				t.Errorf("size %d pass %d: X-Cache %q, want %q", sz, pass, got, want)
			}
			if r.header.Get("Accept-Ranges") != "bytes" || r.header.Get("ETag") == "" || r.header.Get("Last-Modified") == "" {
				t.Errorf("size %d: missing validators or Accept-Ranges: %v", sz, r.header)
			}
		}
	}
}

func TestHeadHasGetHeaders(t *testing.T) {
	e, _, c := semanticsEdge(t)
	for _, path := range []string{"/obj/1000.m4s", "/obj/1060921.m4s", "/obj/0.m4s"} {
		for _, rng := range []string{"", "bytes=10-20", "bytes=0-0,500-600"} {
			for pass := range 2 {
				head := do(t, c, "HEAD", e.url+path, "Range", rng)
				get := do(t, c, "GET", e.url+path, "Range", rng)
				if len(head.body) != 0 {
					t.Fatalf("%s %q: HEAD has a body", path, rng)
				}
				if head.status != get.status {
					t.Fatalf("%s %q pass %d: HEAD %d, GET %d", path, rng, pass, head.status, get.status)
				}
				for _, h := range []string{"Content-Length", "Content-Type", "ETag", "Last-Modified", "Accept-Ranges", "Content-Range"} {
					if head.header.Get(h) != get.header.Get(h) {
						t.Errorf("%s %q: %s: HEAD %q, GET %q", path, rng, h, head.header.Get(h), get.header.Get(h))
					}
				}
			}
		}
	}
}

func TestUnsatisfiableRangeIs416(t *testing.T) {
	e, _, c := semanticsEdge(t)
	for _, tc := range []struct{ path, rng, cr string }{
		{"/obj/1000.m4s", "bytes=1000-", "bytes */1000"},
		{"/obj/1000.m4s", "bytes=5000-6000", "bytes */1000"},
		{"/obj/1060921.m4s", "bytes=9999999-", "bytes */1060921"}, // hint slice past the end
		{"/obj/1000.m4s", "bytes=-0", "bytes */1000"},
		{"/obj/0.m4s", "bytes=0-", "bytes */0"},
	} {
		r := do(t, c, "GET", e.url+tc.path, "Range", tc.rng)
		if r.status != 416 || r.header.Get("Content-Range") != tc.cr {
			t.Errorf("%s %s: %d Content-Range %q, want 416 %q", tc.path, tc.rng, r.status, r.header.Get("Content-Range"), tc.cr)
		}
	}
}

func TestInvalidRangeIsIgnored(t *testing.T) {
	e, _, c := semanticsEdge(t)
	for _, rng := range []string{"bytes=5-1", "items=0-1", "bytes=abc", "bytes=--1"} {
		r := do(t, c, "GET", e.url+"/obj/1000.m4s", "Range", rng)
		if r.status != 200 || len(r.body) != 1000 {
			t.Errorf("Range %q: %d with %d bytes, want 200 with the whole object", rng, r.status, len(r.body))
		}
	}
}

func TestMultipleRangesAreMultipart(t *testing.T) {
	e, _, c := semanticsEdge(t)
	const size = 1<<20 + 12345
	r := do(t, c, "GET", e.url+fmt.Sprintf("/obj/%d.m4s", size), "Range", "bytes=0-9,500000-700000,-20")
	if r.status != 206 {
		t.Fatalf("status %d", r.status)
	}
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	want := [][2]int64{{0, 10}, {500000, 700001}, {size - 20, size}}
	for i, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		got, _ := io.ReadAll(p)
		if !bytes.Equal(got, testenv.PatternBytes(w[0], w[1])) {
			t.Fatalf("part %d bytes differ", i)
		}
		if cr := fmt.Sprintf("bytes %d-%d/%d", w[0], w[1]-1, size); p.Header.Get("Content-Range") != cr {
			t.Fatalf("part %d Content-Range %q want %q", i, p.Header.Get("Content-Range"), cr)
		}
		if p.Header.Get("Content-Type") != "video/iso.segment" {
			t.Fatalf("part %d Content-Type %q", i, p.Header.Get("Content-Type"))
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("extra part: %v", err)
	}
	// Overlapping ranges coalesce into a single part.
	r = do(t, c, "GET", e.url+"/obj/1000.m4s", "Range", "bytes=0-99,50-199")
	if r.status != 206 || r.header.Get("Content-Range") != "bytes 0-199/1000" {
		t.Fatalf("coalesced: %d %q", r.status, r.header.Get("Content-Range"))
	}
}

func TestConditionalRequests(t *testing.T) {
	e, _, c := semanticsEdge(t)
	url := e.url + "/obj/1000.m4s"
	first := do(t, c, "GET", url)
	etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"If-None-Match matching", []string{"If-None-Match", etag}, 304},
		{"If-None-Match in a list", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"If-None-Match weak form matches", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-None-Match star", []string{"If-None-Match", "*"}, 304},
		{"If-None-Match other", []string{"If-None-Match", `"other"`}, 200},
		{"If-Modified-Since equal", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"}, 200},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lm}, 200},
		{"If-Match other", []string{"If-Match", `"other"`}, 412},
		{"If-Match matching", []string{"If-Match", etag}, 200},
		{"If-Unmodified-Since earlier", []string{"If-Unmodified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"}, 412},
		{"If-Range etag holds", []string{"Range", "bytes=0-9", "If-Range", etag}, 206},
		{"If-Range etag changed", []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 200},
		{"If-Range weak never holds", []string{"Range", "bytes=0-9", "If-Range", "W/" + etag}, 200},
		{"If-Range date holds", []string{"Range", "bytes=0-9", "If-Range", lm}, 206},
		{"If-Range date changed", []string{"Range", "bytes=0-9", "If-Range", "Mon, 01 Jan 2024 00:00:00 GMT"}, 200},
		{"If-Range failing beats 416", []string{"Range", "bytes=5000-", "If-Range", `"old"`}, 200},
	} {
		r := do(t, c, "GET", url, tc.hdr...)
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, r.status, tc.want)
		}
		if r.status == 304 && (len(r.body) != 0 || r.header.Get("ETag") != etag) {
			t.Errorf("%s: 304 must carry the ETag and no body", tc.name)
		}
	}
}

func TestContentTypeByExtension(t *testing.T) {
	e, _, c := semanticsEdge(t)
	for path, want := range map[string]string{
		"/title/master.m3u8":  "application/vnd.apple.mpegurl",
		"/title/manifest.mpd": "application/dash+xml",
		"/title/seg.ts":       "video/mp2t",
		"/title/subs.vtt":     "text/vtt",
		"/obj/1000.m4s":       "video/iso.segment",
	} {
		if got := do(t, c, "GET", e.url+path).header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", path, got, want)
		}
	}
}

func TestBadPathsAre400AndNeverReachOrigin(t *testing.T) {
	e, o, _ := semanticsEdge(t)
	for _, target := range []string{
		"/../etc/passwd",
		"/obj/../../etc/passwd",
		"/obj/%2e%2e/%2e%2e/etc/passwd",
		"/obj/.%2e/x",
		"/obj%2f..%2fx",
		"/obj/%2F1000.m4s",
		"/obj/a%5c..%5cb",
		"/obj/a\\b",
		"/obj/%00.m4s",
		"/obj/%zz",
		"/obj/%",
		"/" + strings.Repeat("a", 5000),
		"/obj/%ff%fe",
		"*",
	} {
		code, body := rawRequest(t, e.url, target)
		if code != 400 {
			t.Errorf("%q: status %d, want 400", target, code)
		}
		if !strings.HasPrefix(body, "400 ") {
			t.Errorf("%q: body %q does not name the problem", target, body)
		}
	}
	if n := o.Requests(""); n != 0 {
		t.Fatalf("origin received %d requests for rejected paths", n)
	}
}

func TestKeysAreNormalizedAndIgnoreQueries(t *testing.T) {
	e, o, _ := semanticsEdge(t)
	for _, target := range []string{
		"/obj/1000.m4s",
		"/obj/1000.m4s?token=abc&exp=1",
		"//obj///1000.m4s",
		"/obj/./1000.m4s",
		"/%6fbj/1000.m4s",
	} {
		if code, _ := rawRequest(t, e.url, target); code != 200 {
			t.Fatalf("%q: status %d", target, code)
		}
	}
	if n := o.Requests(""); n != 1 {
		t.Fatalf("origin saw %d requests, want 1 for five spellings of one key", n)
	}
}

// TestMethodNotAllowed: methods the edge does not serve get 405 with the
// methods it does in Allow. Unsafe methods are forwarded to an HTTP origin
// (see TestUnsafeMethodsInvalidate); without forwarding they are refused.
func TestMethodNotAllowed(t *testing.T) {
	e, o, c := semanticsEdge(t)
	cfg := testConfig()
	cfg.ForwardUnsafe = false
	noFwd := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	for _, tc := range []struct {
		edge   *edge
		method string
		allow  string
	}{
		{e, "OPTIONS", "GET, HEAD, POST, PUT, DELETE, PATCH"},
		{e, "TRACE", "GET, HEAD, POST, PUT, DELETE, PATCH"},
		{noFwd, "POST", "GET, HEAD"},
		{noFwd, "PUT", "GET, HEAD"},
		{noFwd, "DELETE", "GET, HEAD"},
		{noFwd, "OPTIONS", "GET, HEAD"},
	} {
		r := do(t, c, tc.method, tc.edge.url+"/obj/1000.m4s")
		if r.status != 405 || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s: %d Allow=%q, want 405 Allow=%q", tc.method, r.status, r.header.Get("Allow"), tc.allow)
		}
	}
}
