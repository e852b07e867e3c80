package freshness

import (
	"strings"
	"time"
)

// ParseRetryAfter returns how long after the response's Date the origin
// asks to be left alone (RFC 9110 §10.2.3): delta-seconds, or an
// HTTP-date minus date. ok is false for a value that is neither; a date
// in the past is 0.
func ParseRetryAfter(v string, date time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if d, ok := ParseDelta(v); ok {
		return d, true
	}
	t, ok := ParseDate(v)
	if !ok {
		return 0, false
	}
	return max(t.Sub(date), 0), true
}
