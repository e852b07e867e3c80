package origin

import (
	"net/http"
	"net/textproto"
	"strings"
)

// hopByHop are the fields that describe one connection, not the message
// (RFC 9110 §7.6.1): a proxy never forwards them.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
}

// endToEnd returns a copy of h without hop-by-hop fields and those the
// Connection field names.
func endToEnd(h http.Header) http.Header {
	out := make(http.Header, len(h))
	conn := connectionFields(h)
	for k, v := range h {
		if hopByHop[k] || conn[k] {
			continue
		}
		out[k] = append([]string(nil), v...)
	}
	return out
}

func connectionFields(h http.Header) map[string]bool {
	var m map[string]bool
	for _, v := range h.Values("Connection") {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if m == nil {
					m = map[string]bool{}
				}
				m[textproto.CanonicalMIMEHeaderKey(f)] = true
			}
		}
	}
	return m
}

// reservedRequest are request fields the client sets itself; forwarded
// headers never replace them.
var reservedRequest = map[string]bool{
	"Host": true, "Range": true, "If-None-Match": true, "If-Modified-Since": true, "If-Match": true,
	"If-Unmodified-Since": true, "If-Range": true, "User-Agent": true, "Content-Length": true, "Expect": true,
}

// addForwarded copies the end-to-end fields of from into to, except those
// the client owns.
func addForwarded(to, from http.Header) {
	conn := connectionFields(from)
	for k, v := range from {
		if ck := textproto.CanonicalMIMEHeaderKey(k); !hopByHop[ck] && !conn[ck] && !reservedRequest[ck] {
			to[ck] = append(to[ck], v...)
		}
	}
}
