package cache

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestMetricsAndAccessLogDescribeEachResponse(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/a.m4s", 1000)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	do(t, c, "GET", e.url+"/a.m4s")                        // 200 MISS (streamed)
	do(t, c, "GET", e.url+"/a.m4s", "Range", "bytes=0-99") // 206 HIT-RAM
	do(t, c, "HEAD", e.url+"/a.m4s")                       // 200 HIT-RAM, no body
	do(t, c, "GET", e.url+"/nope.m4s")                     // 404 MISS
	rawRequest(t, e.url, "/../x")                          // 400 NONE

	want := `
# HELP vodedge_edge_requests_total Responses by HTTP status and the tier that served them.
# TYPE vodedge_edge_requests_total counter
vodedge_edge_requests_total{status="200",tier="HIT-RAM"} 1
vodedge_edge_requests_total{status="200",tier="MISS"} 1
vodedge_edge_requests_total{status="206",tier="HIT-RAM"} 1
vodedge_edge_requests_total{status="400",tier="NONE"} 1
vodedge_edge_requests_total{status="404",tier="MISS"} 1
# HELP vodedge_edge_origin_fetches_total Origin fetches (one per slice) by result.
# TYPE vodedge_edge_origin_fetches_total counter
vodedge_edge_origin_fetches_total{result="not_found"} 1
vodedge_edge_origin_fetches_total{result="ok"} 1
# HELP vodedge_edge_origin_bytes_total Body bytes received from the origin.
# TYPE vodedge_edge_origin_bytes_total counter
vodedge_edge_origin_bytes_total 1019
`
	// A streamed response can reach the client before the fetch that fed
	// it counts its bytes and its result (fetch.go, answer): wait for
	// both.
	testenv.EventuallyErr(t, 5e9, "the responses and the fetches recorded", func() error {
		return testutil.GatherAndCompare(e.reg, strings.NewReader(want),
			"vodedge_edge_requests_total", "vodedge_edge_origin_fetches_total", "vodedge_edge_origin_bytes_total")
	})
	if got := testutil.ToFloat64(e.srv.metrics.respBytes.WithLabelValues("HIT-RAM")); got != 100 {
		t.Errorf("HIT-RAM bytes = %v, want 100 (the HEAD sends none)", got)
	}
	if got := testutil.ToFloat64(e.srv.metrics.respBytes.WithLabelValues("MISS")); got < 1000 {
		t.Errorf("MISS bytes = %v, want at least the 1000-byte body", got)
	}

	recs := e.logs.all()
	if len(recs) != 5 {
		t.Fatalf("%d access log records, want 5", len(recs))
	}
	type rec struct {
		method, path, rng string
		status            int
		bytes             int64
		tier              string
	}
	wantRecs := map[rec]bool{
		{"GET", "/a.m4s", "", 200, 1000, "MISS"}:                                                    true,
		{"GET", "/a.m4s", "bytes=0-99", 206, 100, "HIT-RAM"}:                                        true,
		{"HEAD", "/a.m4s", "", 200, 0, "HIT-RAM"}:                                                   true,
		{"GET", "/../x", "", 400, int64(len("400 cachekey: path contains a .. segment\n")), "NONE"}: true,
	}
	for _, r := range recs {
		if r.Client == nil || r.Time.IsZero() {
			t.Errorf("record without client or time: %+v", r)
		}
		k := rec{r.Method, r.Path, r.Range, r.Status, r.Bytes, r.Tier}
		if r.Status == 404 {
			continue // body text checked elsewhere
		}
		if !wantRecs[k] {
			t.Errorf("unexpected record %+v", k)
		}
		if r.Status < 400 && r.TTFB <= 0 {
			t.Errorf("record without TTFB: %+v", k)
		}
	}
}
