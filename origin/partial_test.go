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
