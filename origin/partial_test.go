package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestShortRangesAreContinuedWithinABound: an origin that sends 10 bytes
// of any range has a 100-byte request continued (10 requests, the exact
// bytes); a 1000-byte one would take 100 and fails with ErrBadResponse
// after maxParts requests.
func TestShortRangesAreContinuedWithinABound(t *testing.T) {
	data := strings.Repeat("0123456789abcdefghij", 50)
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		var first, last int
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &first, &last)
		last = min(last, first+9)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, len(data)))
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, data[first:last+1])
	}))
	defer srv.Close()
	h, err := NewHTTP(srv.URL, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	read := func(off, n int64) (string, error) {
		obj, err := h.Fetch(context.Background(), Request{Key: "/x", Offset: off, Length: n})
		if err != nil {
			return "", err
		}
		defer obj.Body.Close()
		b, err := io.ReadAll(obj.Body)
		return string(b), err
	}
	if got, err := read(5, 100); err != nil || got != data[5:105] || seen.Load() != 10 {
		t.Fatalf("100 bytes: %q, %v after %d requests", got, err, seen.Load())
	}
	seen.Store(0)
	if _, err := read(0, 1000); !errors.Is(err, ErrBadResponse) || seen.Load() != maxParts {
		t.Fatalf("1000 bytes: %v after %d requests, want ErrBadResponse after %d", err, seen.Load(), maxParts)
	}
}

// TestRangeWithoutCompleteLength: a 206 ending in "/*" takes the size a
// HEAD gives when both carry the same strong ETag (no GET without
// Range); when the HEAD's ETag is another one, the object is read with a
// GET without Range. Either way the bytes are exact.
func TestRangeWithoutCompleteLength(t *testing.T) {
	data := strings.Repeat("0123456789", 100)
	for _, headETag := range []string{`"a"`, `"b"`} {
		var rangeless atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var first, last int
			if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &first, &last); err != nil {
				w.Header().Set("ETag", `"a"`)
				if r.Method == http.MethodHead {
					w.Header().Set("ETag", headETag)
				} else {
					rangeless.Add(1)
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(data)))
				io.WriteString(w, data)
				return
			}
			w.Header().Set("ETag", `"a"`)
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/*", first, last))
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, data[first:last+1])
		}))
		h, err := NewHTTP(srv.URL, HTTPOptions{})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := h.Fetch(context.Background(), Request{Key: "/x", Offset: 500, Length: 100})
		if err != nil {
			t.Fatalf("HEAD ETag %s: %v", headETag, err)
		}
		got, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		want := int64(0)
		if headETag != `"a"` {
			want = 1
		}
		if err != nil || string(got) != data[500:600] || obj.Meta.Size != 1000 || rangeless.Load() != want {
			t.Fatalf("HEAD ETag %s: %q %v, size %d, %d GETs without Range (want %d)", headETag, got, err, obj.Meta.Size, rangeless.Load(), want)
		}
		h.Close()
		srv.Close()
	}
}
