package cache

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// testEventLoops is testConfig's EventLoops: 0, except while
// TestServingTestsWithEventLoops runs serving tests again through the
// event loops, or for the whole package with VODEDGE_TEST_EVENT_LOOPS=1
// (every test but the loop's own passes that way too: run it when the
// loop or the handler changes). loopServed and loopHandOffs add up what
// the loops of the edges started meanwhile did (countLoopStats, at their
// cleanup).
var (
	testEventLoops             = envInt("VODEDGE_TEST_EVENT_LOOPS")
	loopServed, loopHandOffs   atomic.Uint64
	loopEdges, loopEdgesServed atomic.Int64
)

// envInt is the environment variable name as an int; 0 when unset or
// not a number.
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

func countLoopStats(s *Server) {
	if s.loop == nil {
		return
	}
	st := s.loop.Stats()
	loopServed.Add(st.Served)
	loopHandOffs.Add(st.HandOffs)
	loopEdges.Add(1)
	if st.Served > 0 {
		loopEdgesServed.Add(1)
	}
}

// TestServingTestsWithEventLoops runs the tests of what players see
// (ranges, conditionals, HEAD, errors, header fields, Cache-Status, Age,
// CORS, signed URLs, metrics and the access log) again with one event
// loop: every answer must be the same whether the loop or fasthttp's
// server gives it.
func TestServingTestsWithEventLoops(t *testing.T) {
	old := testEventLoops
	testEventLoops = 1
	defer func() { testEventLoops = old }()
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"RangesReturnExactBytes", TestRangesReturnExactBytes},
		{"WholeObjectsOfEverySize", TestWholeObjectsOfEverySize},
		{"HeadHasGetHeaders", TestHeadHasGetHeaders},
		{"UnsatisfiableRangeIs416", TestUnsatisfiableRangeIs416},
		{"InvalidRangeIsIgnored", TestInvalidRangeIsIgnored},
		{"MultipleRangesAreMultipart", TestMultipleRangesAreMultipart},
		{"ConditionalRequests", TestConditionalRequests},
		{"ContentTypeByExtension", TestContentTypeByExtension},
		{"BadPathsAre400AndNeverReachOrigin", TestBadPathsAre400AndNeverReachOrigin},
		{"KeysAreNormalizedAndIgnoreQueries", TestKeysAreNormalizedAndIgnoreQueries},
		{"MethodNotAllowed", TestMethodNotAllowed},
		{"HeadRequests", TestHeadRequests},
		{"CacheStatusOnFreshHits", TestCacheStatusOnFreshHits},
		{"AgeOnARealClock", TestAgeOnARealClock},
		{"CORSForBrowsersOnly", TestCORSForBrowsersOnly},
		{"SignedURLsThroughTheEdge", TestSignedURLsThroughTheEdge},
		{"MetricsAndAccessLogDescribeEachResponse", TestMetricsAndAccessLogDescribeEachResponse},
		{"FreshnessAndStorage", TestFreshnessAndStorage},
		{"ClientDirectives", TestClientDirectives},
		{"SlowHeaderIsCutWith408", TestSlowHeaderIsCutWith408},
	} {
		t.Run(tc.name, tc.test)
	}
	t.Logf("event loops: %d edges, %d of them answered from their loop; %d responses from loops, %d hand-offs",
		loopEdges.Load(), loopEdgesServed.Load(), loopServed.Load(), loopHandOffs.Load())
	if loopServed.Load() == 0 || loopHandOffs.Load() == 0 || loopEdgesServed.Load() < loopEdges.Load()/2 {
		t.Fatal("the loops did not take part: the tests above did not run through them")
	}
}

// loopConn is one client connection read response by response.
type loopConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialLoop(t *testing.T, e *edge) *loopConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return &loopConn{t: t, c: c, br: bufio.NewReader(c)}
}

// get sends a request for target with the header lines given and reads
// the answer.
func (lc *loopConn) get(method, target string, lines ...string) (*http.Response, []byte) {
	lc.t.Helper()
	req := method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(lines, "") + "\r\n"
	if _, err := io.WriteString(lc.c, req); err != nil {
		lc.t.Fatal(err)
	}
	resp, err := http.ReadResponse(lc.br, &http.Request{Method: method})
	if err != nil {
		lc.t.Fatalf("%s %s: %v", method, target, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		lc.t.Fatal(err)
	}
	return resp, b
}

func TestEventLoopAnswersFreshRAMHitsAndHandsOffTheRest(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/v/seg.ts", 100_000)
	o.PutPattern("/v/big.ts", 600<<10) // three slices of 256 KiB
	cfg := testConfig()
	cfg.EventLoops = 1
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	loop := func() (served, handoffs float64) {
		return testenv.Metric(t, e.reg, "vodedge_edge_loop_responses_total"), testenv.Metric(t, e.reg, "vodedge_edge_loop_handoffs_total")
	}
	want := testenv.PatternBytes(0, 100_000)

	// A miss: handed off, answered by fasthttp's server, and the
	// connection comes back to the loop for its next request.
	miss := dialLoop(t, e)
	if resp, b := miss.get("GET", "/v/seg.ts"); resp.Header.Get("X-Cache") != "MISS" || string(b) != string(want) {
		t.Fatalf("miss: %s, %d bytes", resp.Header.Get("X-Cache"), len(b))
	}
	if resp, _ := miss.get("GET", "/v/seg.ts"); resp.Header.Get("X-Cache") != "HIT-RAM" {
		t.Fatalf("second request of the handed-off connection: %s", resp.Header.Get("X-Cache"))
	}
	if s, h := loop(); s != 1 || h != 1 || testenv.Metric(t, e.reg, "vodedge_edge_loop_resumes_total") != 1 {
		t.Fatalf("after the miss: %v loop responses, %v hand-offs; want 1 and 1, and the connection resumed", s, h)
	}

	// Fresh RAM hits: whole, a range, HEAD, a 304, all from the loop.
	hit := dialLoop(t, e)
	resp, b := hit.get("GET", "/v/seg.ts")
	if resp.Header.Get("X-Cache") != "HIT-RAM" || string(b) != string(want) || resp.Header.Get("Server") != "vodedge" {
		t.Fatalf("hit: %s %q, %d bytes", resp.Header.Get("X-Cache"), resp.Header.Get("Server"), len(b))
	}
	etag := resp.Header.Get("ETag")
	if resp, b := hit.get("GET", "/v/seg.ts", "Range: bytes=10-19\r\n"); resp.StatusCode != 206 || string(b) != string(want[10:20]) {
		t.Fatalf("range: %d %q", resp.StatusCode, b)
	}
	if resp, b := hit.get("HEAD", "/v/seg.ts"); resp.ContentLength != 100_000 || len(b) != 0 {
		t.Fatalf("HEAD: length %d, %d bytes", resp.ContentLength, len(b))
	}
	if resp, _ := hit.get("GET", "/v/seg.ts", "If-None-Match: "+etag+"\r\n"); resp.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	if s, h := loop(); s != 5 || h != 1 {
		t.Fatalf("after four more hits: %v loop responses, %v hand-offs; want 5 and 1", s, h)
	}

	// The large object's second slice is not in RAM yet: handed off,
	// and the answer is whole.
	if resp, b := hit.get("GET", "/v/big.ts"); resp.StatusCode != 200 || string(b) != string(testenv.PatternBytes(0, 600<<10)) {
		t.Fatalf("big: %d, %d bytes", resp.StatusCode, len(b))
	}
	if _, h := loop(); h != 2 {
		t.Fatalf("%v hand-offs, want 2", h)
	}
	recs := e.logs.all()
	if len(recs) != 7 {
		t.Fatalf("%d access log records, want 7", len(recs))
	}
	if r := recs[3]; r.Tier != "HIT-RAM" || r.Status != 206 || r.Bytes != 10 || r.Range != "bytes=10-19" {
		t.Fatalf("the loop's range response logged as %+v", r)
	}
	if n := testenv.Metric(t, e.reg, "vodedge_edge_origin_fetches_total"); n < 2 {
		t.Fatalf("%v origin fetches", n)
	}
}

func TestEventLoopConnectionsCountAgainstTheLimits(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/v/seg.ts", 1000)
	cfg := testConfig()
	cfg.EventLoops = 2
	cfg.MaxConnsPerClient = 2
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	a, b := dialLoop(t, e), dialLoop(t, e)
	a.get("GET", "/v/seg.ts") // a miss: handed off
	b.get("GET", "/v/seg.ts") // a hit: the loop's
	third := dialLoop(t, e)
	if resp, _ := third.get("GET", "/v/seg.ts"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third connection: %d, want 429", resp.StatusCode)
	}
	_ = a.c.Close()
	_ = b.c.Close()
	testenv.Eventually(t, 10*time.Second, "both closes uncounted", func() bool {
		return testenv.Metric(t, e.reg, "vodedge_connections_open") == 0
	})
	if resp, _ := dialLoop(t, e).get("GET", "/v/seg.ts"); resp.StatusCode != 200 {
		t.Fatalf("after the closes: %d", resp.StatusCode)
	}
}

// TestEventLoopUnderConcurrentLoad: connections at once, each with
// pipelined requests of hits, misses, ranges, HEADs and a body larger
// than a slice, through two loops; every answer must be the object's
// bytes, whichever side (loop or fasthttp) gave it.
func TestEventLoopUnderConcurrentLoad(t *testing.T) {
	o := testenv.NewOrigin(t)
	const objects = 40
	for i := range objects {
		o.PutPattern(fmt.Sprintf("/v/%d.ts", i), int64(1000+i*997))
	}
	o.PutPattern("/v/big.ts", 700<<10)
	cfg := testConfig()
	cfg.EventLoops = 2
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	warm := dialLoop(t, e) // the objects but the last 8 in RAM; big.ts not
	for i := range objects - 8 {
		warm.get("GET", fmt.Sprintf("/v/%d.ts", i))
	}
	errs := make(chan error, 16)
	for w := range 16 {
		go func() { errs <- loadOneConn(e, w, objects) }()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	served, handoffs := testenv.Metric(t, e.reg, "vodedge_edge_loop_responses_total"), testenv.Metric(t, e.reg, "vodedge_edge_loop_handoffs_total")
	t.Logf("%v responses from the loops, %v hand-offs", served, handoffs)
	if served < 16*20 || handoffs < 16 {
		t.Fatal("the loops did not answer the first half of every connection's requests, or handed none off")
	}
}

// loadOneConn sends 60 requests on a new connection, two at a time in
// one write, and checks every answer: hits of warm objects for the first
// 30 (the loop's), then also cold objects and a body of three slices
// (which hand the connection to fasthttp's server, and back after).
func loadOneConn(e *edge, w, objects int) error {
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	type want struct {
		method string
		body   []byte
	}
	for i := 0; i < 60; i += 2 {
		var reqs strings.Builder
		var wants []want
		for j := range 2 {
			n := (w*7 + i + j) % (objects - 8)
			kind := (i + j + w) % 5
			if i >= 30 {
				n = (w*7 + i + j) % objects
			} else if kind == 2 {
				kind = 3
			}
			size := int64(1000 + n*997)
			path := fmt.Sprintf("/v/%d.ts", n)
			switch kind {
			case 0:
				fmt.Fprintf(&reqs, "GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\n\r\n", path)
				wants = append(wants, want{"GET", testenv.PatternBytes(100, 200)})
			case 1:
				fmt.Fprintf(&reqs, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
				wants = append(wants, want{"HEAD", nil})
			case 2:
				fmt.Fprintf(&reqs, "GET /v/big.ts HTTP/1.1\r\nHost: x\r\n\r\n")
				wants = append(wants, want{"GET", testenv.PatternBytes(0, 700<<10)})
			default:
				fmt.Fprintf(&reqs, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
				wants = append(wants, want{"GET", testenv.PatternBytes(0, size)})
			}
		}
		if _, err := io.WriteString(c, reqs.String()); err != nil {
			return err
		}
		for k, wt := range wants {
			resp, err := http.ReadResponse(br, &http.Request{Method: wt.method})
			if err != nil {
				return fmt.Errorf("conn %d, request %d: %w", w, i+k, err)
			}
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				return fmt.Errorf("conn %d, request %d: body: %w", w, i+k, err)
			}
			if resp.StatusCode/100 != 2 || string(b) != string(wt.body) {
				return fmt.Errorf("conn %d, request %d: %d, %d bytes, want %d", w, i+k, resp.StatusCode, len(b), len(wt.body))
			}
		}
	}
	return nil
}

// TestShutdownWaitsForAHandedOffResponse: a miss handed off by the loop
// is under way when Shutdown begins; it must end whole, as it would
// without the loops, before Shutdown returns.
func TestShutdownWaitsForAHandedOffResponse(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/v/slow.ts", 5000)
	release := make(chan struct{})
	o.SetHook(func(http.ResponseWriter, *http.Request) bool { <-release; return false })
	cfg := testConfig()
	cfg.EventLoops = 1
	org := httpOrigin(t, o, origin.HTTPOptions{})
	e := startEdge(t, cfg, org)
	lc := dialLoop(t, e)
	if _, err := io.WriteString(lc.c, "GET /v/slow.ts HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the miss reaches the origin", func() bool { return o.InFlight() == 1 })
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- e.srv.Shutdown(ctx)
	}()
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) with a response under way", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	resp, err := http.ReadResponse(lc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != string(testenv.PatternBytes(0, 5000)) {
		t.Fatalf("the handed-off miss: %d, %d bytes", resp.StatusCode, len(b))
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
