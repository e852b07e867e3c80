package origin

import (
	"fmt"
	"strconv"
	"strings"
)

// contentRange is a parsed Content-Range header (RFC 9110 §14.4), as sent
// with a 206 ("bytes 0-99/1000") or a 416 ("bytes */1000").
type contentRange struct {
	// First and Last are the inclusive positions of the bytes sent; both
	// are -1 in the unsatisfied form "bytes */N".
	First, Last int64
	// Size is the complete length, -1 when the server sent "*".
	Size int64
}

// parseContentRange parses a Content-Range value strictly: unit "bytes"
// (any case), decimal digits only (no signs, no spaces inside numbers),
// First <= Last < Size. Origins that send anything else are not trusted
// with byte positions. Errors wrap ErrBadResponse.
func parseContentRange(s string) (contentRange, error) {
	cr, ok := parseContentRangeOK(s)
	if !ok {
		if len(s) > 100 {
			s = s[:100] + "..."
		}
		return contentRange{}, fmt.Errorf("origin: malformed Content-Range %q: %w", s, ErrBadResponse)
	}
	return cr, nil
}

func parseContentRangeOK(s string) (contentRange, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 6 || !strings.EqualFold(s[:5], "bytes") || s[5] != ' ' {
		return contentRange{}, false
	}
	resp, total, ok := strings.Cut(strings.TrimLeft(s[6:], " "), "/")
	if !ok {
		return contentRange{}, false
	}
	cr := contentRange{First: -1, Last: -1, Size: -1}
	if total != "*" {
		if cr.Size, ok = parseDigits(total); !ok {
			return contentRange{}, false
		}
	}
	if resp == "*" { // unsatisfied-range needs a known size
		return cr, cr.Size >= 0
	}
	first, last, ok := strings.Cut(resp, "-")
	if !ok {
		return contentRange{}, false
	}
	cr.First, ok = parseDigits(first)
	if !ok {
		return contentRange{}, false
	}
	cr.Last, ok = parseDigits(last)
	if !ok || cr.First > cr.Last || (cr.Size >= 0 && cr.Last >= cr.Size) {
		return contentRange{}, false
	}
	return cr, true
}

// parseDigits parses a non-negative decimal that fits in an int64.
// strconv.ParseInt alone would accept a sign.
func parseDigits(s string) (int64, bool) {
	if s == "" {
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
