package cache

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"sync"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// rangeOrigin is a real HTTP origin on loopback whose answer to a
// Range the test writes (answer gets the bytes asked, last clamped to
// the object); a request without Range gets the whole object with its
// Content-Length. It counts the requests it saw.
type rangeOrigin struct {
	*testenv.Origin
	mu   sync.Mutex
	data []byte // protected by mu
	etag string // protected by mu
	seen int    // requests; protected by mu
	full int    // GET requests without Range; protected by mu
}

func newRangeOrigin(t *testing.T, data []byte, answer func(w http.ResponseWriter, o *rangeOrigin, first, last int)) *rangeOrigin {
	o := &rangeOrigin{Origin: testenv.NewOrigin(t), data: data, etag: `"v1"`}
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		o.mu.Lock()
		o.seen++
		data, etag := o.data, o.etag
		o.mu.Unlock()
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "max-age=600")
		var first, last int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &first, &last); err != nil {
			if r.Method == http.MethodGet {
				o.mu.Lock()
				o.full++
				o.mu.Unlock()
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			if r.Method != http.MethodHead { // Sent counts bytes written
				w.Write(data)
			}
			return true
		}
		answer(w, o, first, min(last, len(data)-1))
		return true
	})
	return o
}

func (o *rangeOrigin) requests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen
}

// bytes returns the object's bytes [first, last] as they are now.
func (o *rangeOrigin) bytes(first, last int) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.data[first : last+1]
}

// checkServed asks the edge for a deep range and the whole object, then
// both again: every answer holds exactly the origin's bytes, and the
// second pair is answered from the cache.
func checkServed(t *testing.T, o *rangeOrigin, data []byte) {
	t.Helper()
	e := startEdge(t, testConfig(), httpOrigin(t, o.Origin, origin.HTTPOptions{}))
	c := client(t)
	for pass := range 2 {
		if r := do(t, c, "GET", e.url+"/x.bin", "Range", "bytes=600000-600099"); r.status != 206 || string(r.body) != string(data[600000:600100]) {
			t.Fatalf("pass %d, deep range: %d, %d bytes", pass, r.status, len(r.body))
		}
		if r := do(t, c, "GET", e.url+"/x.bin"); r.status != 200 || string(r.body) != string(data) {
			t.Fatalf("pass %d, whole: %d, %d bytes", pass, r.status, len(r.body))
		}
		waitIdle(t, e)
	}
	n := o.requests()
	if r := do(t, c, "GET", e.url+"/x.bin"); r.status != 200 || o.requests() != n {
		t.Fatalf("a stored object went to the origin again (%d → %d requests)", n, o.requests())
	}
}

// TestOriginRangeWithoutCompleteLength: an origin that answers Range
// with "Content-Range: bytes a-b/*" (RFC 9110 §14.4: complete length
// unknown) has its object served and stored exactly, no 502: with the
// size a HEAD gives when the HEAD and the 206 carry the same strong ETag
// (no GET without Range), else from a GET without Range, whose
// Content-Length gives it.
func TestOriginRangeWithoutCompleteLength(t *testing.T) {
	for _, tc := range []struct {
		etag string
		full bool // the object is read with GETs without Range
	}{{`"v1"`, false}, {`W/"v1"`, true}} {
		t.Run(tc.etag, func(t *testing.T) {
			data := content("u", 700_000)
			o := newRangeOrigin(t, data, func(w http.ResponseWriter, o *rangeOrigin, first, last int) {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/*", first, last))
				w.WriteHeader(http.StatusPartialContent)
				w.Write(o.bytes(first, last))
			})
			o.mu.Lock()
			o.etag = tc.etag
			o.mu.Unlock()
			checkServed(t, o, data)
			o.mu.Lock()
			defer o.mu.Unlock()
			if (o.full > 0) != tc.full {
				t.Fatalf("%d GETs without Range, want them: %v", o.full, tc.full)
			}
		})
	}
}

// TestOriginShortRanges: an origin that sends at most 100,000 bytes of
// any range (RFC 9110 §15.3.7 lets it send less than asked) has each
// short 206 used for what it holds and the rest asked for; no 502.
func TestOriginShortRanges(t *testing.T) {
	data := content("s", 700_000)
	o := newRangeOrigin(t, data, shortRanges)
	checkServed(t, o, data)
}

func shortRanges(w http.ResponseWriter, o *rangeOrigin, first, last int) {
	last = min(last, first+100_000-1)
	o.mu.Lock()
	size := len(o.data) // another answer may be replacing it
	o.mu.Unlock()
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, size))
	w.WriteHeader(http.StatusPartialContent)
	w.Write(o.bytes(first, last))
}

// TestShortRangesOfAChangingObject: when the object changes between a
// short 206 and the request for the rest, the answer under way is cut
// (never finished with bytes of two versions) and nothing of it is
// stored: later requests get the new version whole.
func TestShortRangesOfAChangingObject(t *testing.T) {
	v1, v2 := content("a", 250_000), content("b", 250_000)
	o := newRangeOrigin(t, v1, func(w http.ResponseWriter, o *rangeOrigin, first, last int) {
		shortRanges(w, o, first, last)
		o.mu.Lock()
		o.data, o.etag = v2, `"v2"` // what the next request finds
		o.mu.Unlock()
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o.Origin, origin.HTTPOptions{}))
	c := client(t)
	resp, err := c.Get(e.url + "/x.bin")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode < 500 {
		t.Fatalf("first answer finished: %d, %d bytes (a v1 head and a v2 tail)", resp.StatusCode, len(body))
	}
	waitIdle(t, e)
	for i := range 2 {
		r := do(t, c, "GET", e.url+"/x.bin", "Range", "bytes=0-249999")
		if r.status != 206 || string(r.body) != string(v2) {
			t.Fatalf("request %d after the change: %d, %d bytes, v2 %v", i, r.status, len(r.body), string(r.body) == string(v2))
		}
		waitIdle(t, e)
	}
}

// TestOriginMultipartForOneRange: an origin that answers every Range
// with multipart/byteranges (a first part of bytes 0-9, then the range
// asked) is read for the part holding the offset, with that part's
// Content-Type; a part shorter than asked (bytes 0-9 for offset 0) is
// continued; no 502.
func TestOriginMultipartForOneRange(t *testing.T) {
	data := content("m", 700_000)
	o := newRangeOrigin(t, data, func(w http.ResponseWriter, o *rangeOrigin, first, last int) {
		mw := multipart.NewWriter(w) // writes nothing before CreatePart
		w.Header().Set("Content-Type", "multipart/byteranges; boundary="+mw.Boundary())
		w.WriteHeader(http.StatusPartialContent)
		for _, r := range [][2]int{{0, 9}, {first, last}} {
			p, _ := mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":  {"video/mp4"},
				"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], len(o.data))},
			})
			p.Write(o.bytes(r[0], r[1]))
		}
		mw.Close()
	})
	checkServed(t, o, data)
	e := startEdge(t, testConfig(), httpOrigin(t, o.Origin, origin.HTTPOptions{}))
	if r := do(t, client(t), "GET", e.url+"/x.bin", "Range", "bytes=300000-300009"); r.header.Get("Content-Type") != "video/mp4" || string(r.body) != string(data[300000:300010]) {
		t.Fatalf("Content-Type %q (want the part's video/mp4), body %q", r.header.Get("Content-Type"), r.body)
	}
}

// TestOriginRangePastTheSlice: an origin that ignores the end of a
// Range and sends the rest of the object (a 206 to the end, which RFC
// 9110 §14.2 lets it send) has each slice served and stored from the
// bytes it asked for; what came past them is left unread, and each
// later slice is asked once (conformance.go says why those bytes are
// not stored as the next slice).
func TestOriginRangePastTheSlice(t *testing.T) {
	data := content("p", 700_000) // 3 slices of 256 KiB
	o := newRangeOrigin(t, data, func(w http.ResponseWriter, o *rangeOrigin, first, _ int) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, len(o.data)-1, len(o.data)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(o.bytes(first, len(o.data)-1))
	})
	checkServed(t, o, data)
	if n := o.requests(); n != 3 {
		t.Fatalf("%d origin requests for 3 slices, want 3", n)
	}
}

// TestRangeWithoutCompleteLengthCost measures what an origin answering
// every Range with "bytes a-b/*" costs a cold whole-object GET, with a
// strong ETag (a HEAD gives the size) and a weak one (GETs without
// Range): origin requests and body bytes, against the bounds
// conformance.go states.
func TestRangeWithoutCompleteLengthCost(t *testing.T) {
	const size, slices = 700_000, 3
	for _, tc := range []struct {
		etag               string
		maxReqs, maxFactor int // per slice; origin bytes ÷ object
	}{{`"v1"`, 3, 2}, {`W/"v1"`, 3, slices + 1}} {
		t.Run(tc.etag, func(t *testing.T) {
			data := content("c", size)
			o := newRangeOrigin(t, data, func(w http.ResponseWriter, o *rangeOrigin, first, last int) {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/*", first, last))
				w.WriteHeader(http.StatusPartialContent)
				w.Write(o.bytes(first, last))
			})
			o.mu.Lock()
			o.etag = tc.etag
			o.mu.Unlock()
			e := startEdge(t, testConfig(), httpOrigin(t, o.Origin, origin.HTTPOptions{}))
			if r := do(t, client(t), "GET", e.url+"/x.bin"); r.status != 200 || string(r.body) != string(data) {
				t.Fatalf("whole: %d, %d bytes", r.status, len(r.body))
			}
			waitIdle(t, e)
			reqs, sent := o.requests(), o.Sent("")
			t.Logf("ETag %s: %d origin requests for %d slices, %d body bytes for a %d-byte object (%.2f×)",
				tc.etag, reqs, slices, sent, size, float64(sent)/size)
			if reqs > tc.maxReqs*slices || sent > int64(tc.maxFactor*size) {
				t.Fatalf("%d requests, %d bytes: over %d a slice or %d× the object", reqs, sent, tc.maxReqs, tc.maxFactor)
			}
		})
	}
}
