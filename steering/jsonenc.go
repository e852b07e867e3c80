package steering

import (
	"net/netip"
	"strconv"
	"unicode/utf8"
)

// The answer is encoded by hand: it is small, its shape is fixed, and
// encoding/json would cost more than the decision itself.

// appendAnswer appends one file's answer as a JSON object.
func appendAnswer(b []byte, d *Decision) []byte {
	b = append(b, `{"file":`...)
	b = appendString(b, d.File)
	b = append(b, `,"outcome":`...)
	b = appendString(b, d.Outcome.String())
	b = append(b, `,"urls":[`...)
	for i := range d.Candidates {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCandidate(b, d, i)
	}
	b = append(b, `],"passed_over":{`...)
	for r, n := range d.Misses {
		if r > 0 {
			b = append(b, ',')
		}
		b = appendString(b, missNames[r])
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, "}}"...)
}

func appendCandidate(b []byte, d *Decision, i int) []byte {
	c := &d.Candidates[i]
	b = append(b, `{"rank":`...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	b = append(b, `,"url":`...)
	b = appendString(b, d.URL(i))
	if c.Node != "" {
		b = append(b, `,"node":`...)
		b = appendString(b, c.Node)
		b = append(b, `,"site":`...)
		b = appendString(b, c.Site)
		b = append(b, `,"site_rank":`...)
		b = strconv.AppendInt(b, int64(c.SiteRank), 10)
	}
	b = append(b, `,"reason":`...)
	b = appendString(b, c.Reason())
	if c.Prefix.IsValid() {
		b = append(b, `,"prefix":`...)
		b = appendPrefix(b, c.Prefix)
	}
	return append(b, '}')
}

// appendPrefix appends p as a JSON string, or null when invalid.
func appendPrefix(b []byte, p netip.Prefix) []byte {
	if !p.IsValid() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = p.AppendTo(b)
	return append(b, '"')
}

// appendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced.
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf:
			b = append(b, c)
			i++
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			i++
		default:
			r, n := decodeRune(s[i:])
			b = utf8.AppendRune(b, r)
			i += n
		}
	}
	return append(b, '"')
}

func decodeRune[S ~string | ~[]byte](s S) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], s[:min(len(s), utf8.UTFMax)])
	return utf8.DecodeRune(buf[:n])
}
