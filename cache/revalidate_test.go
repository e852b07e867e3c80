package cache

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// TestRevalidation304RefreshesWithoutRefetch: a stale object is
// revalidated with a conditional request; the 304 updates the stored
// fields (RFC 9111 §3.2) and the freshness of every slice of the object,
// and no body byte is fetched again.
func TestRevalidation304RefreshesWithoutRefetch(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	const size = 700_000 // three 256 KiB slices
	data := content("v1", size)
	o.set("/r.bin", &semObject{body: data, etag: `"r1"`, header: hdr("Cache-Control", "max-age=10", "X-Version", "1", "Content-Language", "fr")})
	e := semEdge(t, o, nil)
	c := client(t)
	if r := do(t, c, "GET", e.url+"/r.bin"); r.status != 200 || !bytes.Equal(r.body, data) {
		t.Fatalf("first GET: %d, %d bytes", r.status, len(r.body))
	}
	waitIdle(t, e)
	sent := o.srv.Sent("/r.bin")

	clock.Advance(11 * time.Second)
	o.edit("/r.bin", func(ob *semObject) {
		ob.header = hdr("Cache-Control", "max-age=100", "X-Version", "2", "Connection", "X-Hop", "X-Hop", "1", "Content-Length", "5")
	})
	r := do(t, c, "GET", e.url+"/r.bin", "Range", "bytes=600000-600099") // in slice 2
	if r.status != 206 || !bytes.Equal(r.body, data[600000:600100]) {
		t.Fatalf("revalidated range: %d, %d bytes", r.status, len(r.body))
	}
	if cs := cacheStatusOf(r); !strings.Contains(cs, "fwd=stale; fwd-status=304") {
		t.Fatalf("Cache-Status %q, want a 304 revalidation", cs)
	}
	if r.header.Get("X-Version") != "2" || r.header.Get("Cache-Control") != "max-age=100" || r.header.Get("Content-Language") != "fr" {
		t.Fatalf("stored fields not updated from the 304: %v", r.header)
	}
	if r.header.Get("X-Hop") != "" || r.header.Get("Age") != "0" {
		t.Fatalf("hop-by-hop field kept, or Age %q not reset by the 304", r.header.Get("Age"))
	}
	all, cond := o.count("/r.bin")
	if all != 4 || cond != 1 {
		t.Fatalf("origin saw %d requests (%d conditional), want 3 slices + 1 revalidation", all, cond)
	}
	if got := o.requests("/r.bin")[3].header.Get("If-None-Match"); got != `"r1"` {
		t.Fatalf("revalidation sent If-None-Match %q", got)
	}
	// Every slice is fresh again: a whole GET goes nowhere.
	clock.Advance(50 * time.Second)
	r = do(t, c, "GET", e.url+"/r.bin")
	if r.status != 200 || !bytes.Equal(r.body, data) || !strings.Contains(cacheStatusOf(r), "; hit") || r.header.Get("Age") != "50" {
		t.Fatalf("after the 304: %d %q Age %q", r.status, cacheStatusOf(r), r.header.Get("Age"))
	}
	if n, _ := o.count("/r.bin"); n != 4 || o.srv.Sent("/r.bin") != sent {
		t.Fatalf("origin asked again (%d requests) or sent body bytes (%d) after a 304", n, o.srv.Sent("/r.bin")-sent)
	}
	waitIdle(t, e) // the 304's fetch counts it after handing its answer over
	if v := testutil.ToFloat64(e.srv.metrics.revalidations.WithLabelValues("not_modified")); v != 1 {
		t.Fatalf("revalidations{not_modified} = %v", v)
	}
}

// TestRevalidation200ReplacesTheObject: a stale object the origin has
// changed is replaced by the new version: new requests get it whole and
// never a slice of the old one; a response of the old version already
// under way finishes with the old bytes.
func TestRevalidation200ReplacesTheObject(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	const size = 700_000
	v1, v2 := content("one", size), content("two", size)
	o.set("/v.bin", &semObject{body: v1, etag: `"v1"`, header: hdr("Cache-Control", "max-age=10")})
	const one = 6 << 20 // one slice, larger than the socket buffers
	s1, s2 := content("big1", one), content("big2", one)
	o.set("/one.bin", &semObject{body: s1, etag: `"b1"`, header: hdr("Cache-Control", "max-age=10")})
	e := semEdge(t, o, func(c *Config) { c.SliceBytes = 8 << 20 })
	c := client(t)
	do(t, c, "GET", e.url+"/v.bin")
	do(t, c, "GET", e.url+"/one.bin")
	waitIdle(t, e)

	// A slow client starts reading the old version of /one.bin.
	slow := startRead(t, client(t), e.url+"/one.bin")
	head := make([]byte, 1000)
	if _, err := io.ReadFull(slow.Body, head); err != nil {
		t.Fatal(err)
	}

	clock.Advance(11 * time.Second)
	o.edit("/v.bin", func(ob *semObject) { ob.body, ob.etag = v2, `"v2"` })
	o.edit("/one.bin", func(ob *semObject) { ob.body, ob.etag = s2, `"b2"` })
	r := do(t, c, "GET", e.url+"/v.bin")
	if r.status != 200 || !bytes.Equal(r.body, v2) || r.header.Get("ETag") != `"v2"` {
		t.Fatalf("after the change: %d ETag %s, new bytes %v", r.status, r.header.Get("ETag"), bytes.Equal(r.body, v2))
	}
	if cs := cacheStatusOf(r); !strings.Contains(cs, "fwd-status=200") {
		t.Fatalf("Cache-Status %q", cs)
	}
	r = do(t, c, "GET", e.url+"/one.bin")
	if !bytes.Equal(r.body, s2) {
		t.Fatal("the single-slice object was not replaced")
	}
	rest, err := io.ReadAll(slow.Body)
	slow.Body.Close()
	if err != nil || !bytes.Equal(append(head, rest...), s1) {
		t.Fatalf("the response under way did not finish with the old version: %v, %d bytes", err, len(head)+len(rest))
	}
	// Every range of the new version, in any slice, is the new version.
	for _, rng := range [][2]int64{{0, 99}, {300_000, 300_099}, {600_000, 699_999}} {
		r := do(t, c, "GET", e.url+"/v.bin", "Range", fmt.Sprintf("bytes=%d-%d", rng[0], rng[1]))
		if !bytes.Equal(r.body, v2[rng[0]:rng[1]+1]) {
			t.Fatalf("range %v: old bytes served after the replacement", rng)
		}
	}
	if v := testutil.ToFloat64(e.srv.metrics.revalidations.WithLabelValues("modified")); v != 2 {
		t.Fatalf("revalidations{modified} = %v", v)
	}
}

// TestReplacedVersionStaysReplacedAfterRestart: slices of a replaced
// version left on disk are never taken for the current one after a
// restart.
func TestReplacedVersionStaysReplacedAfterRestart(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	const size = 700_000
	v1, v2 := content("one", size), content("two", size)
	o.set("/d.bin", &semObject{body: v1, etag: `"v1"`, header: hdr("Cache-Control", "max-age=1000")})
	dir := t.TempDir()
	h := httpOriginSem(t, o)
	e1 := startEdgeDisk(t, smallRAM(), h, diskOpener(t, dir, disktier.Deps{}), withClock(clock))
	c := client(t)
	do(t, c, "GET", e1.url+"/d.bin")
	waitIdle(t, e1)
	// The origin changes the object while the edge holds it fresh; a
	// request for slice 0 only brings the new version.
	o.edit("/d.bin", func(ob *semObject) { ob.body, ob.etag = v2, `"v2"` })
	e1.srv.dropSlicesForTest("/d.bin", 0)
	for idx := range int64(3) { // nothing in RAM holds the old version:
		e1.srv.tiers.ram.Del(cachekey.SliceKey("/d.bin", idx)) // only the disk knows it
	}
	e1.srv.tiers.ram.Wait()
	testenv.Eventually(t, 5*time.Second, "the old version to be forgotten", func() bool {
		runtime.GC()
		return e1.srv.tiers.versions.get("/d.bin") == nil
	})
	if r := do(t, c, "GET", e1.url+"/d.bin", "Range", "bytes=0-99"); !bytes.Equal(r.body, v2[:100]) {
		t.Fatal("slice 0 not refetched")
	}
	waitIdle(t, e1)
	e1.srv.Shutdown(t.Context())
	e1.srv.tiers.disk.Close()

	e2 := startEdgeDisk(t, smallRAM(), h, diskOpener(t, dir, disktier.Deps{}), withClock(clock))
	before, _ := o.count("/d.bin")
	r := do(t, c, "GET", e2.url+"/d.bin", "Range", "bytes=600000-600099")
	if !bytes.Equal(r.body, v2[600000:600100]) {
		t.Fatalf("after a restart a slice of the replaced version was served: %q", r.body[:10])
	}
	if n, _ := o.count("/d.bin"); n != before+1 {
		t.Fatalf("origin requests %d → %d, want the slice refetched once", before, n)
	}
}

// dropSlicesForTest removes slices from both tiers without marking
// anything, as eviction would.
func (s *Server) dropSlicesForTest(key string, idxs ...int64) {
	for _, idx := range idxs {
		s.tiers.ram.Del(cachekey.SliceKey(key, idx))
		if s.tiers.disk != nil {
			s.tiers.disk.Delete(cachekey.SliceKey(key, idx))
		}
	}
	s.tiers.ram.Wait()
}

// httpOriginSem is the HTTP origin client of the edges in front of o.
func httpOriginSem(t *testing.T, o *semOrigin) *origin.HTTP {
	return httpOrigin(t, o.srv, origin.HTTPOptions{HeaderTimeout: 2 * time.Second, DialTimeout: time.Second})
}

// TestStaleWhileRevalidateOrdering: within stale-while-revalidate every
// request is answered at once from the stale copy while exactly one
// background request revalidates it; once that request is answered, the
// next request gets the new version.
func TestStaleWhileRevalidateOrdering(t *testing.T) {
	clock := newClock()
	o := newSemOrigin(t, clock)
	o.set("/p.m3u8", &semObject{body: content("v1", 500), etag: `"p1"`, header: hdr("Cache-Control", "max-age=5, stale-while-revalidate=60")})
	e := semEdge(t, o, nil)
	c := client(t)
	do(t, c, "GET", e.url+"/p.m3u8")
	waitIdle(t, e)

	gate := make(chan struct{})
	o.edit("/p.m3u8", func(ob *semObject) { ob.body, ob.etag, ob.gate = content("v2", 500), `"p2"`, gate })
	clock.Advance(6 * time.Second)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			r := do(t, c, "GET", e.url+"/p.m3u8")
			if !bytes.Equal(r.body, content("v1", 500)) || !strings.Contains(cacheStatusOf(r), "stale-while-revalidate") {
				t.Errorf("stale answer: %q %q", r.body[:4], cacheStatusOf(r))
			}
		})
	}
	wg.Wait() // every stale answer came back while the origin holds its answer
	testenv.Eventually(t, 5*time.Second, "the background revalidation to reach the origin", func() bool {
		n, _ := o.count("/p.m3u8")
		return n == 2
	})
	if n, cond := o.count("/p.m3u8"); n != 2 || cond != 1 {
		t.Fatalf("origin saw %d requests (%d conditional), want one background revalidation", n, cond)
	}
	close(gate)
	waitIdle(t, e)
	r := do(t, c, "GET", e.url+"/p.m3u8")
	if !bytes.Equal(r.body, content("v2", 500)) || !strings.Contains(cacheStatusOf(r), "; hit") {
		t.Fatalf("after the revalidation: %q %q", r.body[:4], cacheStatusOf(r))
	}
	// Past the stale-while-revalidate window the revalidation is in line.
	clock.Advance(100 * time.Second)
	r = do(t, c, "GET", e.url+"/p.m3u8")
	if !strings.Contains(cacheStatusOf(r), "fwd-status=304") {
		t.Fatalf("past the window: Cache-Status %q, want a synchronous 304", cacheStatusOf(r))
	}
	if v := testutil.ToFloat64(e.srv.metrics.stale.WithLabelValues("swr")); v != 10 {
		t.Fatalf("stale_served{swr} = %v", v)
	}
}

// TestStaleIfError: while the origin is down or failing, a stale copy is
// served within its stale-if-error window (the origin's, else the
// operator's default) unless the origin forbade stale answers.
func TestStaleIfError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cc     string
		after  time.Duration
		fail   string // "stop" the origin or answer "503"
		status int
		reason string
	}{
		{"origin's stale-if-error, origin stopped", "max-age=10, stale-if-error=60", 30 * time.Second, "stop", 200, "sie"},
		{"origin's stale-if-error, origin answering 503", "max-age=10, stale-if-error=60", 30 * time.Second, "503", 200, "sie"},
		{"operator default, origin stopped", "max-age=10", 30 * time.Minute, "stop", 200, "origin_down"},
		{"past the window", "max-age=10, stale-if-error=60", 2 * time.Minute, "stop", 502, ""},
		{"past the operator default", "max-age=10", 2 * time.Hour, "stop", 502, ""},
		{"must-revalidate forbids stale", "max-age=10, must-revalidate", 30 * time.Second, "stop", 502, ""},
		{"no-cache forbids stale: the origin's 503 passes", "no-cache", 30 * time.Second, "503", 503, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			o := newSemOrigin(t, clock)
			data := content("v1", 1000)
			o.set("/s.bin", &semObject{body: data, etag: `"s1"`, header: hdr("Cache-Control", tc.cc)})
			e := semEdge(t, o, nil)
			c := client(t)
			do(t, c, "GET", e.url+"/s.bin")
			waitIdle(t, e)
			if tc.fail == "stop" {
				o.stop()
			} else {
				o.edit("/s.bin", func(ob *semObject) { ob.status = 503 })
			}
			clock.Advance(tc.after)
			r := do(t, c, "GET", e.url+"/s.bin")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d (%q)", r.status, tc.status, r.body)
			}
			if tc.status == 200 {
				if !bytes.Equal(r.body, data) || !strings.Contains(cacheStatusOf(r), "stale-if-error") {
					t.Fatalf("stale answer: %q", cacheStatusOf(r))
				}
				if v := testutil.ToFloat64(e.srv.metrics.stale.WithLabelValues(tc.reason)); v != 1 {
					t.Fatalf("stale_served{%s} = %v", tc.reason, v)
				}
			}
		})
	}
}
