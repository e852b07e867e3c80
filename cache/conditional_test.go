package cache

import (
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func testMeta() *meta {
	lm := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &meta{size: 10, etag: []byte(`"abc"`), lastModified: lm, lastModHTTP: []byte(lm.Format(time.RFC1123))}
}

func TestEtagListMatch(t *testing.T) {
	for _, tc := range []struct {
		list, etag string
		weak, want bool
	}{
		{`"abc"`, `"abc"`, false, true},
		{`"abc"`, `"abd"`, false, false},
		{`W/"abc"`, `"abc"`, true, true},
		{`W/"abc"`, `"abc"`, false, false},
		{`"abc"`, `W/"abc"`, true, true},
		{`"abc"`, `W/"abc"`, false, false},
		{`"x", "y" ,"abc"`, `"abc"`, false, true},
		{`*`, `"abc"`, false, true},
		{`"x", *`, `"abc"`, true, true},
		{`abc`, `"abc"`, true, false},
		{`"abc`, `"abc"`, true, false},
		{``, `"abc"`, true, false},
		{`"abc"`, ``, true, false},
		{`"a,b"`, `"a,b"`, false, true},
	} {
		var etag []byte
		if tc.etag != "" {
			etag = []byte(tc.etag)
		}
		if got := etagListMatch([]byte(tc.list), etag, tc.weak); got != tc.want {
			t.Errorf("etagListMatch(%q, %q, weak=%v) = %v, want %v", tc.list, tc.etag, tc.weak, got, tc.want)
		}
	}
}

func TestRangeHint(t *testing.T) {
	for h, want := range map[string]int64{
		"": 0, "bytes=": 0, "bytes=-5": 0, "bytes=100-": 100, "bytes=1610612736-1610612800": 1610612736,
		"bytes=99999999999999999999-": 0, "items=5-": 0, "bytes=7": 7,
	} {
		if got := rangeHint([]byte(h)); got != want {
			t.Errorf("rangeHint(%q) = %d, want %d", h, got, want)
		}
	}
}

// FuzzPreconditions feeds arbitrary conditional and Range headers: the
// evaluation must never panic and must answer only 0, 304 or 412.
func FuzzPreconditions(f *testing.F) {
	f.Add(`"abc"`, `W/"abc", *`, "Fri, 02 Jan 2026 03:04:05 GMT", "bytes=0-5", `"abc"`)
	f.Add("", "", "junk", "bytes=-1", "Fri, 02 Jan 2026 03:04:05 GMT")
	f.Add(`W/"`, `"`, "", "bytes=99999999999999999999-", "W/x")
	m := testMeta()
	f.Fuzz(func(t *testing.T, ifMatch, ifNoneMatch, date, rng, ifRange string) {
		var h fasthttp.RequestHeader
		set := func(k, v string) {
			if v != "" {
				h.Set(k, v)
			}
		}
		set("If-Match", ifMatch)
		set("If-None-Match", ifNoneMatch)
		set("If-Modified-Since", date)
		set("If-Unmodified-Since", date)
		set("If-Range", ifRange)
		switch st := preconditions(&h, m); st {
		case 0, 304, 412:
		default:
			t.Fatalf("preconditions = %d", st)
		}
		ifRangeHolds(&h, m)
		if n := rangeHint([]byte(rng)); n < 0 {
			t.Fatalf("rangeHint(%q) = %d", rng, n)
		}
	})
}
