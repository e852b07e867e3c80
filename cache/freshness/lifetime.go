package freshness

import (
	"net/http"
	"time"
)

// Response is what freshness needs to know of a response.
type Response struct {
	Status int
	CC     Directives
	// Date is the origin's Date, or the response time when it sent none.
	Date time.Time
	// Expires is the parsed Expires; ExpiresSet says the header was
	// present, so a zero Expires with ExpiresSet is an invalid date: in
	// the past.
	Expires    time.Time
	ExpiresSet bool
	// LastModified is zero when unknown.
	LastModified time.Time
}

// Heuristic configures heuristic freshness: Fraction of the time since
// Last-Modified, at most Max. A zero Fraction turns it off.
type Heuristic struct {
	Fraction float64
	Max      time.Duration
}

// Source says where a freshness lifetime came from.
type Source uint8

// Sources of a lifetime, most authoritative first.
const (
	FromNone    Source = iota // nothing usable: lifetime 0
	FromNoCache               // no-cache: stale at once, revalidate every use
	FromSMaxAge
	FromMaxAge
	FromExpires
	FromHeuristic
)

// Explicit reports whether the origin stated the lifetime.
func (s Source) Explicit() bool { return s != FromNone && s != FromHeuristic }

// Lifetime returns a shared cache's freshness lifetime of r (RFC 9111
// §4.2.1) and where it came from. no-cache gives 0 whatever else is said.
func Lifetime(r *Response, h Heuristic) (time.Duration, Source) {
	switch {
	case r.CC.NoCache && len(r.CC.NoCacheFields) == 0:
		return 0, FromNoCache
	case r.CC.SMaxAge != Absent:
		return r.CC.SMaxAge, FromSMaxAge
	case r.CC.MaxAge != Absent:
		return r.CC.MaxAge, FromMaxAge
	case r.ExpiresSet:
		if r.Expires.IsZero() || !r.Expires.After(r.Date) {
			return 0, FromExpires
		}
		return r.Expires.Sub(r.Date), FromExpires
	case (HeuristicallyCacheable(r.Status) || r.CC.Public) && !r.LastModified.IsZero() && h.Fraction > 0:
		return heuristic(r, h), FromHeuristic
	}
	return 0, FromNone
}

func heuristic(r *Response, h Heuristic) time.Duration {
	since := r.Date.Sub(r.LastModified)
	if since <= 0 {
		return 0
	}
	d := time.Duration(float64(since) * h.Fraction)
	if h.Max > 0 && d > h.Max {
		d = h.Max
	}
	return d
}

// HeuristicallyCacheable reports whether status may be stored and given
// heuristic freshness without explicit cache directives (RFC 9110 §15.1).
func HeuristicallyCacheable(status int) bool {
	switch status {
	case 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

// InitialAge returns the corrected initial age of a response (RFC 9111
// §4.2.3): ageValue is its Age header (0 when absent), date its Date,
// requested and received when the request was sent and the response
// headers arrived.
func InitialAge(ageValue time.Duration, date, requested, received time.Time) time.Duration {
	apparent := max(received.Sub(date), 0)
	delay := max(received.Sub(requested), 0)
	return max(apparent, ageValue+delay)
}

// ParseDate parses an HTTP date in any of the three formats; ok is false
// for anything else.
func ParseDate(s string) (time.Time, bool) {
	t, err := http.ParseTime(s)
	return t, err == nil
}
