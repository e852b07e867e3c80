package cache

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/origin"
)

// meta is what the edge knows of a whole object, with its response headers
// formatted once so that a hit formats nothing. Immutable once built.
type meta struct {
	size         int64
	etag         []byte // as the origin sent it; nil when none
	lastModified time.Time
	lastModHTTP  []byte // lastModified as an HTTP date; nil when unknown
	contentType  []byte
}

func newMeta(key string, m origin.Meta) *meta {
	out := &meta{
		size:         m.Size,
		lastModified: m.LastModified.UTC().Truncate(time.Second),
		contentType:  []byte(contentType(key, m.ContentType)),
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
	return m.size == o.size && string(m.etag) == string(o.etag) && m.lastModified.Equal(o.lastModified)
}

// slice is an immutable cached piece of an object: the bytes
// [off, off+len(data)) of it, or a remembered 404 when notFound is set.
// It is the RAM tier's value type.
//
// A large slice keeps its bytes in a sealed memfd (mf, data nil) so that
// hits go to the socket with sendfile; a small one keeps them in data.
type slice struct {
	key      string
	meta     *meta
	off      int64
	data     []byte
	mf       *memfile.File
	notFound bool
}

func (s *slice) CacheKey() string { return s.key }
func (s *slice) CacheSize() int64 { return s.length() + int64(len(s.key)) }

// length returns the number of object bytes the slice holds.
func (s *slice) length() int64 {
	if s.mf != nil {
		return s.mf.Size()
	}
	return int64(len(s.data))
}

// release lets go of the memfd when the RAM tier drops the slice.
func (s *slice) release() {
	if s.mf != nil {
		s.mf.Release()
	}
}

// sliceKey names slice idx of the object at key. Slice 0 is named by the
// key itself, so the common single-slice lookup builds no string; keys
// never contain NUL (cachekey rejects it), so the suffix cannot collide.
func sliceKey(key string, idx int64) string {
	if idx == 0 {
		return key
	}
	return key + "\x00" + strconv.FormatInt(idx, 10)
}

// recordMeta rebuilds the object metadata a disk record carries.
func recordMeta(r *disktier.Record) *meta {
	return newMeta(disktier.ObjectKey(r.Key), origin.Meta{
		Size: r.ObjSize, ETag: r.ETag, LastModified: r.LastModified, ContentType: r.ContentType,
	})
}
