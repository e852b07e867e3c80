package cache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/cache/stream"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestConcurrentColdRequestsMakeOneOriginFetch(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/one.m4s", 200_000)       // one slice
	o.PutPattern("/three.m4s", 3*256<<10-7) // three slices
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	for _, tc := range []struct {
		path   string
		size   int64
		slices int
	}{{"/one.m4s", 200_000, 1}, {"/three.m4s", 3*256<<10 - 7, 3}} {
		before := o.Requests("")
		var wg sync.WaitGroup
		errs := make(chan string, 100)
		for range 100 {
			wg.Go(func() {
				r := do(t, c, "GET", e.url+tc.path)
				if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, tc.size)) {
					errs <- fmt.Sprintf("status %d, %d bytes", r.status, len(r.body))
				}
			})
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Fatalf("%s: %s", tc.path, msg)
		}
		if got := o.Requests("") - before; got != tc.slices {
			t.Fatalf("%s: %d origin requests for 100 concurrent clients, want %d (one per slice)", tc.path, got, tc.slices)
		}
	}
	if n := testutil.ToFloat64(e.srv.metrics.collapsed); n < 1 {
		t.Errorf("collapsed waiters = %v, want some", n)
	}
}

// pausingOrigin serves /paused.m4s: the first half, then waits for
// release before sending the rest.
func pausingOrigin(t *testing.T, size int) (*testenv.Origin, chan struct{}) {
	o := testenv.NewOrigin(t)
	release := make(chan struct{})
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/paused.m4s" {
			return false
		}
		data := testenv.PatternBytes(0, int64(size))
		w.Header().Set("ETag", `"paused"`)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", size-1, size))
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[:size/2])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return true
		}
		w.Write(data[size/2:])
		return true
	})
	return o, release
}

// startRead sends a GET and returns the response once its headers are in.
func startRead(t *testing.T, c *http.Client, url string) *http.Response {
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestWaitersStreamBeforeOriginFinishes(t *testing.T) {
	const size = 200_000
	o, release := pausingOrigin(t, size)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	var resps []*http.Response
	for range 10 {
		resps = append(resps, startRead(t, c, e.url+"/paused.m4s"))
	}
	// Every client gets bytes while the origin is still holding back the
	// second half.
	for i, resp := range resps {
		first := make([]byte, 64<<10)
		if _, err := io.ReadFull(resp.Body, first); err != nil {
			t.Fatalf("client %d: reading the first 64 KiB while the origin pauses: %v", i, err)
		}
		if !bytes.Equal(first, testenv.PatternBytes(0, 64<<10)) {
			t.Fatalf("client %d: wrong first bytes", i)
		}
	}
	close(release)
	for i, resp := range resps {
		rest, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(rest, testenv.PatternBytes(64<<10, size)) {
			t.Fatalf("client %d: rest of body: %v (%d bytes)", i, err, len(rest))
		}
	}
	if n := o.Requests(""); n != 1 {
		t.Fatalf("origin requests = %d, want 1", n)
	}
}

func TestDisconnectingClientDoesNotBreakOthers(t *testing.T) {
	const size = 200_000
	o, release := pausingOrigin(t, size)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	quitter, stayer := client(t), client(t)
	a := startRead(t, quitter, e.url+"/paused.m4s")
	b := startRead(t, stayer, e.url+"/paused.m4s")
	buf := make([]byte, 1000)
	io.ReadFull(a.Body, buf)
	a.Body.Close() // hang up mid-body
	quitter.Transport.(*http.Transport).CloseIdleConnections()
	close(release)
	got, err := io.ReadAll(b.Body)
	b.Body.Close()
	if err != nil || !bytes.Equal(got, testenv.PatternBytes(0, size)) {
		t.Fatalf("remaining client: %v, %d bytes", err, len(got))
	}
	r := do(t, stayer, "GET", e.url+"/paused.m4s")
	if r.header.Get("X-Cache") != "HIT-RAM" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
		t.Fatalf("after the hang-up the object must be cached whole: %s, %d bytes", r.header.Get("X-Cache"), len(r.body))
	}
	if n := o.Requests(""); n != 1 {
		t.Fatalf("origin requests = %d, want 1", n)
	}
}

func TestStalledClientDoesNotThrottleOthers(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 4 << 20
	o.PutPattern("/big.mp4", size)
	cfg := testConfig()
	cfg.SliceBytes = 1 << 20
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	// A client that asks and never reads.
	stalled, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprintf(stalled, "GET /big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n")
	testenv.Eventually(t, 5*time.Second, "the stalled client's fetch to start", func() bool { return o.Requests("") > 0 })
	r := do(t, client(t), "GET", e.url+"/big.mp4")
	if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
		t.Fatalf("normal client: %d, %d bytes", r.status, len(r.body))
	}
	if n := o.Requests(""); n != 4 {
		t.Fatalf("origin requests = %d, want 4 (one per slice)", n)
	}
}

func TestRangeDeepInHugeObjectFetchesOneSlice(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 2 << 30
	o.PutPattern("/movie.mp4", size)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	from := int64(3 << 29) // 1.5 GiB
	r := do(t, client(t), "GET", e.url+"/movie.mp4", "Range", fmt.Sprintf("bytes=%d-%d", from, from+99_999))
	if r.status != 206 || !bytes.Equal(r.body, testenv.PatternBytes(from, from+100_000)) {
		t.Fatalf("status %d, %d bytes", r.status, len(r.body))
	}
	slice := testConfig().SliceBytes
	if sent := o.Sent(""); sent > 2*slice {
		t.Fatalf("origin sent %d bytes for a 100 kB range at 1.5 GiB; want at most the %d-byte slice(s) around it", sent, slice)
	}
}

func TestOriginErrorsMapToStatuses(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "boom", 500)
		case "/slow":
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
		default:
			return false
		}
		return true
	})
	// /slow answers after 3 s: a header timeout well short of that, but
	// long enough that the prompt answers are never late on a loaded
	// machine.
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{HeaderTimeout: time.Second}))
	c := client(t)
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/missing.m4s", 404, "404 page not found"}, // the origin's own answers
		{"/500", 500, "boom"},
		{"/slow", 504, "504 origin timeout"},
	} {
		r := do(t, c, "GET", e.url+tc.path)
		if r.status != tc.status || !strings.HasPrefix(string(r.body), tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, r.status, r.body, tc.status, tc.body)
		}
	}
	before := o.Requests("")
	if r := do(t, c, "GET", e.url+"/missing.m4s"); r.status != 404 {
		t.Fatalf("second 404: %d", r.status)
	}
	if o.Requests("") != before {
		t.Fatal("a remembered 404 went to the origin again")
	}

	h, err := origin.NewHTTP("http://"+testenv.FreeAddr(t), origin.HTTPOptions{}) // nobody listens
	if err != nil {
		t.Fatal(err)
	}
	e2 := startEdge(t, testConfig(), h)
	if r := do(t, c, "GET", e2.url+"/x.m4s"); r.status != 502 {
		t.Fatalf("unreachable origin: %d %q", r.status, r.body)
	}
}

func TestOriginDyingMidBodyCutsTheResponse(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 200_000
	var broken = true
	var mu sync.Mutex
	o.PutPattern("/flaky.m4s", size)
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		b := broken
		mu.Unlock()
		if !b {
			return false
		}
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", size-1, size))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(testenv.PatternBytes(0, 1000))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	resp := startRead(t, c, e.url+"/flaky.m4s")
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("client read a complete-looking response of %d bytes from a broken origin", len(got))
	}
	if !bytes.Equal(got, testenv.PatternBytes(0, int64(len(got)))) {
		t.Fatal("the bytes before the cut are wrong")
	}
	mu.Lock()
	broken = false
	mu.Unlock()
	r := do(t, c, "GET", e.url+"/flaky.m4s")
	if r.status != 200 || r.header.Get("X-Cache") != "MISS" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
		t.Fatalf("after the failure: %d %s %d bytes; want a fresh complete fetch", r.status, r.header.Get("X-Cache"), len(r.body))
	}
}

func TestObjectChangedBetweenSlicesCutsTheResponse(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 3 * 256 << 10
	version := "v1"
	var mu sync.Mutex
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		v := version
		mu.Unlock()
		w.Header().Set("ETag", `"`+v+`"`)
		http.ServeContent(w, r, "x.mp4", time.Time{}, &testenv.PatternReader{Size: size})
		return true
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	if r := do(t, c, "GET", e.url+"/x.mp4", "Range", "bytes=0-9"); r.status != 206 {
		t.Fatalf("warm-up: %d", r.status)
	}
	mu.Lock()
	version = "v2"
	mu.Unlock()
	resp := startRead(t, c, e.url+"/x.mp4")
	if resp.Header.Get("ETag") != `"v1"` {
		t.Fatalf("expected headers from the cached first slice, got ETag %s", resp.Header.Get("ETag"))
	}
	_, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("a body mixing two versions was completed")
	}
	r := do(t, c, "GET", e.url+"/x.mp4")
	if r.status != 200 || r.header.Get("ETag") != `"v2"` || len(r.body) != size {
		t.Fatalf("after the change: %d ETag %s, %d bytes", r.status, r.header.Get("ETag"), len(r.body))
	}
}

// TestFailedFlightIsNotJoined puts a fetch that has already failed (its
// goroutine not yet out of the flight map) where a request would find
// it: the request must fetch afresh, not join and get a cut response.
func TestFailedFlightIsNotJoined(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 50_000
	o.PutPattern("/a.m4s", size)
	o.PutPattern("/b.m4s", size)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	cut := stream.New(size, size)
	cut.Close(errors.New("origin cut the body"))
	for key, failed := range map[string]*fetch{
		"/a.m4s": {key: "/a.m4s", err: errors.New("origin went away"), ready: make(chan struct{})},
		"/b.m4s": {key: "/b.m4s", body: cut, ready: make(chan struct{})},
	} {
		close(failed.ready)
		e.srv.flights.mu.Lock()
		e.srv.flights.m[key] = failed
		e.srv.flights.mu.Unlock()
		r := do(t, client(t), "GET", e.url+key)
		if r.status != 200 || r.header.Get("X-Cache") != "MISS" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
			t.Fatalf("%s with a failed fetch in the flight map: %d %s, %d bytes; want a fresh complete fetch",
				key, r.status, r.header.Get("X-Cache"), len(r.body))
		}
		e.srv.flights.mu.Lock()
		if e.srv.flights.m[key] == failed {
			delete(e.srv.flights.m, key)
		}
		e.srv.flights.mu.Unlock()
	}
}
