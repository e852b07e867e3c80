package origin

import (
	"net/http"
	"strings"
	"time"
)

// unchanged evaluates a request's conditionals against an object's
// validators the way an HTTP origin would (RFC 9110 §13.2.2): If-None-Match
// with weak comparison when given, else If-Modified-Since. The File and
// Sample clients use it to answer revalidations with 304.
func (r Request) unchanged(m Meta) bool {
	if r.IfNoneMatch != "" {
		return m.ETag != "" && weakMatch(r.IfNoneMatch, m.ETag)
	}
	if !r.IfModifiedSince.IsZero() && !m.LastModified.IsZero() {
		return !m.LastModified.Truncate(time.Second).After(r.IfModifiedSince)
	}
	return false
}

// weakMatch reports whether the entity-tag list matches tag, ignoring W/.
func weakMatch(list, tag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	for t := range strings.SplitSeq(list, ",") {
		if t = strings.TrimSpace(t); t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// notModified returns the 304 answer for req: the object's validators, no
// body.
func notModified(req Request, m Meta) *Object {
	m.Size, m.Status = -1, http.StatusNotModified
	return &Object{Meta: m, Offset: req.Offset, Body: http.NoBody}
}
