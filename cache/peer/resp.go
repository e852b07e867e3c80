package peer

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vodedge/vodedge/origin"
)

// peerObject checks a 200 or 206 against req with the rules origin.HTTP
// applies to an origin (origin/reply.go): a 206 must start where asked,
// carry the complete length and hold at least the bytes needed; a 200 is
// accepted only for a request from offset 0 and must carry a
// Content-Length. Errors wrap ErrFailed: a peer that answers oddly is
// skipped, not trusted with byte positions.
func peerObject(req origin.Request, resp *http.Response, what string) (*origin.Object, error) {
	meta := origin.Meta{ETag: resp.Header.Get("ETag"), ContentType: resp.Header.Get("Content-Type")}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		meta.LastModified = t
	}
	bad := func(why string) error { return fmt.Errorf("peer: %s: %s: %w", what, why, ErrFailed) }
	var first, sent int64
	if resp.StatusCode == http.StatusPartialContent {
		cr, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok {
			return nil, bad(fmt.Sprintf("malformed Content-Range %q", clip(resp.Header.Get("Content-Range"))))
		}
		first, sent, meta.Size = cr.first, cr.last-cr.first+1, cr.size
		if resp.ContentLength >= 0 && resp.ContentLength != sent {
			return nil, bad(fmt.Sprintf("Content-Length %d for a %d-byte range", resp.ContentLength, sent))
		}
	} else {
		if resp.ContentLength < 0 {
			return nil, bad("200 without Content-Length")
		}
		sent, meta.Size = resp.ContentLength, resp.ContentLength
	}
	if first != req.Offset {
		return nil, bad(fmt.Sprintf("answer starts at %d, asked for %d", first, req.Offset))
	}
	n := span(req, meta.Size)
	if n < 0 || sent < n {
		return nil, bad(fmt.Sprintf("sent %d bytes of %d from %d, asked for %d", sent, meta.Size, first, req.Length))
	}
	return &origin.Object{Meta: meta, Offset: req.Offset, Length: n}, nil
}

// span is min(Length, size-Offset): the bytes the request covers, or -1
// when the offset is outside the object (an empty object has offset 0).
func span(req origin.Request, size int64) int64 {
	if req.Offset > size || (req.Offset == size && size > 0) {
		return -1
	}
	n := size - req.Offset
	if req.Length >= 0 && req.Length < n {
		n = req.Length
	}
	return n
}

// contentRange is "bytes first-last/size" with a known size.
type contentRange struct{ first, last, size int64 }

// parseContentRange parses a satisfied Content-Range strictly: unit
// "bytes", decimal digits only, first <= last < size, size known.
func parseContentRange(s string) (contentRange, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !ok {
		return contentRange{}, false
	}
	rng, total, ok := strings.Cut(rest, "/")
	if !ok {
		return contentRange{}, false
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return contentRange{}, false
	}
	var cr contentRange
	var okA, okB, okS bool
	cr.first, okA = digits(a)
	cr.last, okB = digits(b)
	cr.size, okS = digits(total)
	if !okA || !okB || !okS || cr.first > cr.last || cr.last >= cr.size {
		return contentRange{}, false
	}
	return cr, true
}

// digits parses a non-negative decimal that fits in an int64 (no sign).
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// clip shortens a peer's header value for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
