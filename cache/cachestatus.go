package cache

import (
	"strconv"
	"time"
)

// fwdReason is why a request went to the origin, as Cache-Status's fwd
// parameter names it (RFC 9211 §2.2).
type fwdReason uint8

const (
	fwdNone     fwdReason = iota
	fwdURIMiss            // nothing stored for the URL
	fwdVaryMiss           // the URL is stored, but not this variant
	fwdRequest            // the client's directives forced it
	fwdStale              // the stored copy was stale
	fwdBypass             // the cache does not handle this request (Authorization, a private answer)
	fwdMethod             // an unsafe method
	fwdPartial            // stored, but not every slice the response needs
)

var fwdNames = [...]string{"", "uri-miss", "vary-miss", "request", "stale", "bypass", "method", "partial"}

// cacheStatusID formats this node's name as a Cache-Status cache
// identifier: a token when it is one, else a string.
func cacheStatusID(node string) []byte {
	if isSFToken(node) {
		return []byte(node)
	}
	return appendSFString(nil, node)
}

// appendCacheStatus appends the Cache-Status value (RFC 9211) of an
// answer for rq from version st (nil for an error answer): hit with its
// ttl, or fwd with the reason, fwd-status, stored and collapsed; the
// detail of a stale answer; the key when the operator asks for it. A
// fresh hit carries it when its version says so (stored.statusHit: an
// rfc rule, or CacheStatusOnHits; see doc.go).
func (h *handler) appendCacheStatus(b []byte, rq *request, st *stored, now int64) []byte {
	b = append(b, h.statusID...)
	hit := isHit(rq.out) && rq.fwd != fwdPartial
	switch {
	case hit:
		b = append(b, "; hit"...)
	case rq.fwd != fwdNone:
		b = append(append(b, "; fwd="...), fwdNames[rq.fwd]...)
		if rq.fwdStatus != 0 {
			b = strconv.AppendInt(append(b, "; fwd-status="...), int64(rq.fwdStatus), 10)
		}
	}
	if st != nil && (hit || rq.stored || rq.fwd == fwdPartial) {
		ttl := time.Duration(st.freshUntil-now) / time.Second
		b = strconv.AppendInt(append(b, "; ttl="...), int64(ttl), 10)
	}
	if rq.stored && !hit {
		b = append(b, "; stored"...)
	}
	if rq.collapsed {
		b = append(b, "; collapsed"...)
	}
	if d := staleDetail[rq.out]; d != "" {
		b = append(append(b, "; detail="...), d...)
	}
	if h.statusKey && rq.obj != "" {
		b = appendSFString(append(b, "; key="...), rq.obj)
	}
	return b
}

// appendUpstream appends the members upstream caches put in the
// answer's Cache-Status, and the separator before this node's own: RFC
// 9211 §2 has a cache keep the existing value and add its member last
// (nearest the user). The value is passed on as received, not parsed.
func appendUpstream(b, upstream []byte) []byte {
	if len(upstream) == 0 {
		return b
	}
	return append(append(b, upstream...), ", "...)
}

func isHit(o outcome) bool { return o >= outStaleSWR && o <= outStaleClient || o == outHit }

// markPartial turns the Cache-Status of a hit whose response spans
// slices into fwd=partial when a slice of pieces beyond the first one
// found (at offset off) is neither in RAM nor on disk: the body will get
// it from the origin (RFC 9211 §2.2). Only streamed responses that cross
// a slice boundary pay for the look; the fetch's status is not known yet
// when the header leaves, so fwd-status is absent.
func (h *handler) markPartial(rq *request, m *meta, off int64, pieces []piece) {
	if !isHit(rq.out) || rq.fwd != fwdNone {
		return
	}
	first := off / h.sliceBytes
	for _, p := range pieces {
		if p.lit != nil || p.to <= p.from {
			continue
		}
		for idx := p.from / h.sliceBytes; idx <= (p.to-1)/h.sliceBytes; idx++ {
			if idx != first && !h.tiers.holds(m.key, idx) {
				rq.fwd = fwdPartial
				st := m.st.Load()
				rq.ctx.Response.Header.SetCanonical(hdrCacheStatus, h.appendCacheStatus(appendUpstream(nil, st.upstream), rq, st, h.ageNow(rq, st)))
				return
			}
		}
	}
}

// staleDetail names why a stale copy was served (an implementation
// token in Cache-Status's detail parameter).
var staleDetail = [numOutcomes]string{
	outStaleSWR: "stale-while-revalidate", outStaleSIE: "stale-if-error",
	outStaleDown: "stale-if-error", outStaleClient: "max-stale",
}

// isSFToken reports whether s is a structured-field token (RFC 8941
// §3.3.4): ALPHA or "*", then tchar, ":" or "/".
func isSFToken(s string) bool {
	if s == "" || !(isAlpha(s[0]) || s[0] == '*') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || c >= '0' && c <= '9' || c == ':' || c == '/' || indexByte("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func indexByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// appendSFString appends s as a structured-field string (RFC 8941
// §3.3.3): quoted, with '"' and '\' escaped; bytes outside printable
// ASCII, which a string cannot hold, are percent-encoded.
func appendSFString(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '%', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
