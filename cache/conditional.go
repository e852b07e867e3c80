package cache

import (
	"bytes"
	"net/http"

	"github.com/valyala/fasthttp"
)

// Request header names in fasthttp's canonical form, so lookups skip
// normalizing the name on every request.
var (
	keyIfMatch           = []byte("If-Match")
	keyIfUnmodifiedSince = []byte("If-Unmodified-Since")
	keyIfNoneMatch       = []byte("If-None-Match")
	keyIfModifiedSince   = []byte("If-Modified-Since")
	keyIfRange           = []byte("If-Range")
	keyRange             = []byte("Range")
)

// preconditions evaluates the request's conditional headers against the
// object in the order RFC 9110 §13.2.2 gives. It returns 0 when the
// request goes on, or 304 / 412 when it ends there.
func preconditions(h *fasthttp.RequestHeader, m *meta) int {
	if im := h.PeekCanonical(keyIfMatch); len(im) > 0 {
		if !etagListMatch(im, m.etag, false) {
			return http.StatusPreconditionFailed
		}
	} else if ius := h.PeekCanonical(keyIfUnmodifiedSince); len(ius) > 0 && m.lastModHTTP != nil {
		if t, err := fasthttp.ParseHTTPDate(ius); err == nil && m.lastModified.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if inm := h.PeekCanonical(keyIfNoneMatch); len(inm) > 0 {
		if etagListMatch(inm, m.etag, true) {
			return http.StatusNotModified
		}
		return 0
	}
	if ims := h.PeekCanonical(keyIfModifiedSince); len(ims) > 0 && m.lastModHTTP != nil {
		if t, err := fasthttp.ParseHTTPDate(ims); err == nil && !m.lastModified.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// ifRangeHolds reports whether a Range header may be honoured: there is
// no If-Range, or its validator still matches (RFC 9110 §13.1.5). An
// entity tag must match strongly; a date must equal Last-Modified.
func ifRangeHolds(h *fasthttp.RequestHeader, m *meta) bool {
	ir := h.PeekCanonical(keyIfRange)
	if len(ir) == 0 {
		return true
	}
	if ir[0] == '"' || bytes.HasPrefix(ir, []byte("W/")) {
		return etagListMatch(ir, m.etag, false) && bytes.Count(ir, []byte{','}) == 0
	}
	t, err := fasthttp.ParseHTTPDate(ir)
	return err == nil && m.lastModHTTP != nil && m.lastModified.Equal(t)
}

// etagListMatch reports whether the comma-separated entity-tag list
// (or "*") matches etag. Weak comparison ignores W/ prefixes; strong
// comparison never matches a weak tag on either side.
func etagListMatch(list, etag []byte, weak bool) bool {
	if etag == nil {
		return false
	}
	ours, oursWeak := opaqueTag(etag)
	if ours == nil || (!weak && oursWeak) {
		return false
	}
	for len(list) > 0 {
		list = bytes.TrimLeft(list, " \t,")
		if len(list) == 0 {
			break
		}
		if list[0] == '*' {
			return true
		}
		var tag []byte
		var tagWeak bool
		tag, tagWeak, list = nextTag(list)
		if tag == nil {
			return false // malformed: stop, match nothing
		}
		if bytes.Equal(tag, ours) && (weak || !tagWeak) {
			return true
		}
	}
	return false
}

// nextTag splits the first entity-tag off list. It returns the quoted
// opaque tag (quotes included), whether it was weak, and the rest.
func nextTag(list []byte) (tag []byte, weak bool, rest []byte) {
	if bytes.HasPrefix(list, []byte("W/")) {
		weak, list = true, list[2:]
	}
	if len(list) < 2 || list[0] != '"' {
		return nil, false, nil
	}
	end := bytes.IndexByte(list[1:], '"')
	if end < 0 {
		return nil, false, nil
	}
	return list[:end+2], weak, list[end+2:]
}

// opaqueTag splits our own stored ETag into its quoted part and weakness.
func opaqueTag(etag []byte) ([]byte, bool) {
	tag, weak, _ := nextTag(etag)
	return tag, weak
}
