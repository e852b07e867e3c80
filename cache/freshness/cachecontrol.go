package freshness

import (
	"strings"
	"time"
)

// Absent marks a delta directive that was not given.
const Absent time.Duration = -1

// maxDelta is the largest delta-seconds a recipient must handle; larger
// values are taken as this (RFC 9111 §1.2.2).
const maxDelta = 1 << 31

// Directives are the Cache-Control directives of a response or a request.
// Deltas are Absent when not given.
type Directives struct {
	MaxAge, SMaxAge                    time.Duration
	StaleWhileRevalidate, StaleIfError time.Duration // RFC 5861
	MaxStale, MinFresh                 time.Duration // request only
	// MaxStaleAny is a request's max-stale without a value: any staleness.
	MaxStaleAny bool

	NoStore, NoCache, Private, Public      bool
	MustRevalidate, ProxyRevalidate        bool
	Immutable, MustUnderstand, NoTransform bool
	OnlyIfCached                           bool // request only

	// NoCacheFields and PrivateFields are the field names (lower case) of
	// the qualified forms no-cache="a, b" and private="a": the response may
	// be stored without them.
	NoCacheFields, PrivateFields []string
}

// Empty returns directives with every delta Absent.
func Empty() Directives {
	return Directives{
		MaxAge: Absent, SMaxAge: Absent, StaleWhileRevalidate: Absent,
		StaleIfError: Absent, MaxStale: Absent, MinFresh: Absent,
	}
}

// Parse returns the directives of the given Cache-Control field lines.
func Parse(lines ...string) Directives {
	d := Empty()
	for _, l := range lines {
		d.Add(l)
	}
	return d
}

// Add merges one Cache-Control field line into d. Unknown directives and
// junk between commas are skipped.
func (d *Directives) Add(line string) {
	for len(line) > 0 {
		var name, val string
		var hasVal bool
		name, val, hasVal, line = nextDirective(line)
		if name != "" {
			d.set(strings.ToLower(name), val, hasVal)
		}
	}
}

func (d *Directives) set(name, val string, hasVal bool) {
	switch name {
	case "max-age":
		setDelta(&d.MaxAge, val, hasVal, 0)
	case "s-maxage":
		setDelta(&d.SMaxAge, val, hasVal, 0)
	case "stale-while-revalidate":
		setDelta(&d.StaleWhileRevalidate, val, hasVal, Absent)
	case "stale-if-error":
		setDelta(&d.StaleIfError, val, hasVal, Absent)
	case "min-fresh":
		setDelta(&d.MinFresh, val, hasVal, Absent)
	case "max-stale":
		if !hasVal {
			d.MaxStaleAny = true
			return
		}
		setDelta(&d.MaxStale, val, hasVal, Absent)
	case "no-cache":
		d.NoCache = true
		if hasVal {
			d.NoCacheFields = appendFields(d.NoCacheFields, val)
		}
	case "private":
		d.Private = true
		if hasVal {
			d.PrivateFields = appendFields(d.PrivateFields, val)
		}
	default:
		d.setFlag(name)
	}
}

func (d *Directives) setFlag(name string) {
	switch name {
	case "no-store":
		d.NoStore = true
	case "public":
		d.Public = true
	case "must-revalidate":
		d.MustRevalidate = true
	case "proxy-revalidate":
		d.ProxyRevalidate = true
	case "immutable":
		d.Immutable = true
	case "must-understand":
		d.MustUnderstand = true
	case "no-transform":
		d.NoTransform = true
	case "only-if-cached":
		d.OnlyIfCached = true
	}
}

// setDelta stores the first occurrence of a delta directive; a missing
// or malformed value stores bad. The value's leading digits count, as
// Varnish, Squid and Traffic Server read them: "3600.5" and "3600a" are
// 3600; a value that does not start with a digit ("a3600", "-1") is
// malformed.
func setDelta(dst *time.Duration, val string, hasVal bool, bad time.Duration) {
	if *dst != Absent {
		return
	}
	n, ok := ParseDelta(leadingDigits(val))
	if !hasVal || !ok {
		*dst = bad
		return
	}
	*dst = n
}

// leadingDigits returns the digits s starts with.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// ParseDelta parses delta-seconds: digits only, capped at 2^31 seconds.
func ParseDelta(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxDelta {
			n = n*10 + int64(c-'0')
		}
	}
	return time.Duration(min(n, maxDelta)) * time.Second, true
}

// appendFields appends the lower-cased field names of a qualified
// no-cache or private value ("a, B").
func appendFields(dst []string, val string) []string {
	for f := range strings.SplitSeq(val, ",") {
		if f = strings.TrimSpace(f); f != "" && isToken(f) {
			dst = append(dst, strings.ToLower(f))
		}
	}
	return dst
}

// nextDirective splits the first directive off a list: its name, its
// value (unquoted) and the rest after the next comma. A name that is not
// a token is returned empty (the element is skipped).
func nextDirective(s string) (name, val string, hasVal bool, rest string) {
	s = strings.TrimLeft(s, " \t,")
	i := 0
	for i < len(s) && tchar(s[i]) {
		i++
	}
	name, s = s[:i], strings.TrimLeft(s[i:], " \t")
	if len(s) > 0 && s[0] == '=' {
		s = strings.TrimLeft(s[1:], " \t")
		hasVal = true
		if len(s) > 0 && s[0] == '"' {
			val, s = quoted(s)
		} else {
			j := 0
			for j < len(s) && tchar(s[j]) {
				j++
			}
			val, s = s[:j], s[j:]
		}
	}
	s = strings.TrimLeft(s, " \t")
	if len(s) > 0 && s[0] != ',' {
		// Junk after the directive: drop the element up to the next comma.
		name = ""
		if k := strings.IndexByte(s, ','); k >= 0 {
			s = s[k:]
		} else {
			s = ""
		}
	}
	return name, val, hasVal, s
}

// quoted reads a quoted-string at the start of s (which begins with '"')
// and returns its unescaped content and what follows. An unterminated
// string runs to the end of s.
func quoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:]
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tchar(s[i]) {
			return false
		}
	}
	return s != ""
}

// tchar reports whether c may appear in a token (RFC 9110 §5.6.2).
func tchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
