package cache

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/origin"
)

// meta is what the edge knows of one version of an object: its identity
// (size and validators, fixed) with its response headers formatted once
// so that a hit formats nothing, and a pointer to its current stored
// state, which a 304 replaces. Every slice of a version points to the
// same meta (see versions), so freshness is per object, not per slice.
type meta struct {
	key          string // the object's cache key (a variant's when it varies)
	url          string // the origin key
	status       int    // 200 for the object's bytes; another cacheable status otherwise
	size         int64
	etag         []byte // as the origin sent it; nil when none
	lastModified time.Time
	lastModHTTP  []byte // lastModified as an HTTP date; nil when unknown
	contentType  []byte
	// fwd holds the request fields this version was fetched with, when
	// the response varies on them (a variant's identity); nil otherwise.
	fwd http.Header

	st           atomic.Pointer[stored]
	revalidating atomic.Bool // a background revalidation is running
}

func newMeta(key, url string, m origin.Meta) *meta {
	out := &meta{
		key:          key,
		url:          url,
		status:       m.Status,
		size:         m.Size,
		lastModified: m.LastModified.UTC().Truncate(time.Second),
		contentType:  []byte(contentType(url, m.ContentType)),
	}
	switch {
	case out.status == 0:
		out.status = http.StatusOK
	case out.status != http.StatusOK:
		// A status answer's body is the origin's page (or ours), not the
		// media type its path's extension names.
		out.contentType = []byte(m.ContentType)
	}
	if m.ETag != "" {
		out.etag = []byte(m.ETag)
	}
	if !m.LastModified.IsZero() {
		out.lastModHTTP = out.lastModified.AppendFormat(nil, http.TimeFormat)
	}
	return out
}

// sameObject reports whether two slices' metadata describe the same
// version of an object, so that their bytes may be served together.
func (m *meta) sameObject(o *meta) bool {
	return m == o || m.status == o.status && m.size == o.size && string(m.etag) == string(o.etag) && m.lastModified.Equal(o.lastModified)
}

// usableFor reports whether a cached slice of version m may serve a
// request for version v (nil: the current one).
func (m *meta) usableFor(v *meta) bool {
	if v != nil {
		return m.sameObject(v)
	}
	return !m.st.Load().superseded
}

// hasValidators reports whether the version can be revalidated.
func (m *meta) hasValidators() bool { return m.etag != nil || m.lastModHTTP != nil }

// supersede marks the version as replaced by a newer one: its slices are
// no longer answers to new requests (responses already under way finish).
func (m *meta) supersede() {
	for {
		old := m.st.Load()
		if old.superseded {
			return
		}
		cp := *old
		cp.superseded = true
		if m.st.CompareAndSwap(old, &cp) {
			return
		}
	}
}
