package accesslog

import (
	"net"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// Record is one response.
type Record struct {
	Time   time.Time
	Client net.Addr
	Method string
	Path   string
	Range  string
	Status int
	Bytes  int64
	Tier   string
	// Cache is the HTTP cache's result: hit, miss, revalidated,
	// modified, stale, pass, method (an unsafe method passed on), or ""
	// when no lookup was made.
	Cache string
	TTFB  time.Duration
}

// encoder formats records; it caches the formatted second of the last
// timestamp, since consecutive records almost always share it.
type encoder struct {
	sec    int64
	prefix []byte // "2006-01-02T15:04:05." for sec
	// tail ends every line: the node and site fields, encoded once for
	// the node and site it was built for.
	node, site string
	tail       []byte
}

// appendTime appends t as RFC 3339 UTC with microseconds.
func (e *encoder) appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if s := t.Unix(); s != e.sec || e.prefix == nil {
		e.sec, e.prefix = s, t.AppendFormat(e.prefix[:0], "2006-01-02T15:04:05.")
	}
	dst = append(dst, e.prefix...)
	us := t.Nanosecond() / 1000
	for div := 100000; div > 0; div /= 10 {
		dst = append(dst, byte('0'+us/div%10))
	}
	return append(dst, 'Z')
}

// appendJSON appends r as one JSON line, with node and site, to dst.
func (e *encoder) appendJSON(dst []byte, r *Record, node, site string) []byte {
	dst = append(dst, `{"time":"`...)
	dst = e.appendTime(dst, r.Time)
	dst = append(dst, `","client":`...)
	dst = appendAddr(dst, r.Client)
	dst = append(dst, `,"method":`...)
	dst = appendString(dst, r.Method)
	dst = append(dst, `,"path":`...)
	dst = appendString(dst, r.Path)
	dst = append(dst, `,"range":`...)
	dst = appendString(dst, r.Range)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(r.Status), 10)
	dst = append(dst, `,"bytes":`...)
	dst = strconv.AppendInt(dst, r.Bytes, 10)
	dst = append(dst, `,"tier":`...)
	dst = appendString(dst, r.Tier)
	dst = append(dst, `,"cache":`...)
	dst = appendString(dst, r.Cache)
	dst = append(dst, `,"ttfb_ms":`...)
	dst = appendMillis(dst, r.TTFB)
	return append(dst, e.tailFor(node, site)...)
}

// tailFor returns the end of a line for node and site.
func (e *encoder) tailFor(node, site string) []byte {
	if e.tail == nil || node != e.node || site != e.site {
		t := appendString(append(e.tail[:0], `,"node":`...), node)
		t = appendString(append(t, `,"site":`...), site)
		e.node, e.site, e.tail = node, site, append(t, "}\n"...)
	}
	return e.tail
}

// appendMillis appends d in milliseconds with three decimals (whole
// microseconds), as strconv.AppendFloat(…, 'f', 3, 64) of d/1ms would,
// without the float formatting.
func appendMillis(dst []byte, d time.Duration) []byte {
	us := d.Microseconds()
	if us < 0 {
		dst, us = append(dst, '-'), -us
	}
	dst = strconv.AppendInt(dst, us/1000, 10)
	frac := us % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// so every line is valid JSON whatever a client sent.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := plainPrefix(s)
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}

// plainPrefix returns how many leading bytes of s are printable ASCII
// that JSON takes as they are: the whole of almost every path, method
// and range, copied in one append.
func plainPrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

// appendAddr appends a client address as a JSON string; TCP addresses
// are formatted without allocating.
func appendAddr(dst []byte, a net.Addr) []byte {
	switch t := a.(type) {
	case nil:
		return append(dst, `""`...)
	case *net.TCPAddr:
		dst = append(dst, '"')
		ap := t.AddrPort()
		dst = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).AppendTo(dst)
		return append(dst, '"')
	}
	return appendString(dst, a.String())
}
