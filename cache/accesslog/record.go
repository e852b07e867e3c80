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
	dst = strconv.AppendFloat(dst, float64(r.TTFB.Microseconds())/1000, 'f', 3, 64)
	dst = append(dst, `,"node":`...)
	dst = appendString(dst, node)
	dst = append(dst, `,"site":`...)
	dst = appendString(dst, site)
	return append(dst, "}\n"...)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// so every line is valid JSON whatever a client sent.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
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
