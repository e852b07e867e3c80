package cache

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin"
)

func TestStoredRoundTrip(t *testing.T) {
	st := &stored{status: 200, reqTime: time.Unix(100, 5), respTime: time.Unix(101, 7), superseded: true,
		hdr: http.Header{"Cache-Control": {"max-age=5"}, "Link": {"<a>", "<b>"}}}
	fwd := http.Header{"Accept-Encoding": {"gzip"}}
	got, gotFwd, err := decodeStored(encodeStored(st, fwd))
	if err != nil || got.status != 200 || !got.reqTime.Equal(st.reqTime) || !got.respTime.Equal(st.respTime) ||
		!got.superseded || !reflect.DeepEqual(got.hdr, st.hdr) || !reflect.DeepEqual(gotFwd, fwd) {
		t.Fatalf("round trip: %+v %v %v", got, gotFwd, err)
	}
	// Too many fields: only those freshness needs are kept.
	st.hdr["X-Big"] = []string{strings.Repeat("x", maxStoredBytes)}
	got, _, err = decodeStored(encodeStored(st, nil))
	if err != nil || got.hdr.Get("X-Big") != "" || got.hdr.Get("Cache-Control") != "max-age=5" {
		t.Fatalf("oversized fields: %v %v", got.hdr, err)
	}
}

func FuzzDecodeStored(f *testing.F) {
	st := &stored{status: 404, reqTime: time.Unix(1, 0), respTime: time.Unix(2, 0), hdr: http.Header{"Vary": {"Origin"}}}
	f.Add(encodeStored(st, http.Header{"Origin": {"https://a"}}))
	f.Add([]byte{storedVersion, 0, 200, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, fwd, err := decodeStored(b)
		if err != nil {
			return
		}
		if st.status < 100 || st.status > 999 {
			t.Fatalf("status %d accepted", st.status)
		}
		again, _, err := decodeStored(encodeStored(st, fwd))
		if err != nil || again.status != st.status || !again.respTime.Equal(st.respTime) || len(again.hdr) != len(st.hdr) {
			t.Fatalf("re-encoding changed the state: %+v → %+v, %v", st, again, err)
		}
	})
}

// TestRevalidationOverFileOrigin: a directory origin sends no
// Cache-Control; freshness is heuristic (10% of the file's age) and a
// stale copy is revalidated with a 304 from the file's validators.
func TestRevalidationOverFileOrigin(t *testing.T) {
	dir := t.TempDir()
	data := []byte("<xml/>")
	p := filepath.Join(dir, "a.xml")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	clock := newClock()
	mtime := clock.Now().Add(-1000 * time.Second)
	os.Chtimes(p, mtime, mtime)
	org, err := origin.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { org.Close() })
	e := startEdgeDisk(t, testConfig(), org, nil, withClock(clock))
	c := client(t)
	for i, step := range []struct {
		after time.Duration
		cache string
	}{{0, "uri-miss"}, {90 * time.Second, "; hit"}, {20 * time.Second, "fwd-status=304"}, {time.Second, "; hit"}} {
		clock.Advance(step.after)
		r := do(t, c, "GET", e.url+"/a.xml")
		if !bytes.Equal(r.body, data) || !strings.Contains(cacheStatusOf(r), step.cache) {
			t.Fatalf("step %d: %q, want %q", i, cacheStatusOf(r), step.cache)
		}
		waitIdle(t, e) // a fetch still storing would be joined by the next step
	}
}
