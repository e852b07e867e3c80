package cache

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestStaleAnswersCarryNoSetCookie: a copy served stale (stale-while-
// revalidate, stale-if-error on an origin 5xx carrying its own
// Set-Cookie, stale-if-error with the origin down) carries no Set-Cookie:
// neither the one the first requester got with the stored answer nor
// the one on the failed revalidation's answer (RFC 9111 §3.1, §3.5).
func TestStaleAnswersCarryNoSetCookie(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	swr, sie := content("w", 500), content("e", 500)
	o.set("/swr.bin", &semObject{body: swr, etag: `"w"`, header: hdr("Cache-Control", "max-age=10, stale-while-revalidate=100", "Set-Cookie", "sid=first")})
	o.set("/sie.bin", &semObject{body: sie, etag: `"e"`, header: hdr("Cache-Control", "max-age=10, stale-if-error=100", "Set-Cookie", "sid=first")})
	e := rfcEdge(t, o, nil)
	c := client(t)
	get := func(step, path string, body []byte, cookies int, status string) {
		t.Helper()
		r := do(t, c, "GET", e.url+path)
		if r.status != 200 || !bytes.Equal(r.body, body) {
			t.Fatalf("%s: %d %q", step, r.status, r.body)
		}
		if n := len(r.header.Values("Set-Cookie")); n != cookies {
			t.Fatalf("%s: %d Set-Cookie (%q), want %d", step, n, r.header.Values("Set-Cookie"), cookies)
		}
		if cs := r.header.Get("Cache-Status"); !strings.Contains(cs, status) {
			t.Fatalf("%s: Cache-Status %q, want it to contain %q", step, cs, status)
		}
		waitIdle(t, e)
	}
	get("first request", "/swr.bin", swr, 1, "fwd=uri-miss")
	get("first request", "/sie.bin", sie, 1, "fwd=uri-miss")
	get("fresh hit", "/swr.bin", swr, 0, "; hit")
	clock.Advance(15 * time.Second)
	get("stale-while-revalidate", "/swr.bin", swr, 0, "detail=stale-while-revalidate")
	o.edit("/sie.bin", func(ob *semObject) {
		ob.status = 503
		ob.header.Set("Set-Cookie", "sid=error")
	})
	get("stale-if-error on a 503", "/sie.bin", sie, 0, "detail=stale-if-error")
	o.stop()
	get("stale-if-error, origin down", "/sie.bin", sie, 0, "detail=stale-if-error")
}
