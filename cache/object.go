package cache

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/cache/memfile"
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
		contentType:  []byte(contentType(keyPath(url), m.ContentType)),
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

// typeIn returns the Content-Type of the version's responses in stored
// state st: the stored fields' (a 304 may have updated it), else the
// one the version was fetched with.
func (m *meta) typeIn(st *stored) []byte {
	if st != nil && st.contentType != nil {
		return st.contentType
	}
	return m.contentType
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

// slice is an immutable cached piece of an object: the bytes
// [off, off+len(data)) of it. A status answer (meta.status other than
// 200: a 404, a 301) is one slice at offset 0 holding its whole body. It
// is the RAM tier's value type, and a source whose bytes are all there.
//
// A large slice keeps its bytes in a sealed memfd (mf, data nil) so that
// hits go to the socket with sendfile; a small one keeps them in data.
type slice struct {
	key  string
	meta *meta
	off  int64
	data []byte
	mf   *memfile.File
}

// newSlice builds the RAM tier's value for a complete slice: bytes of a
// slice whose size memfds holds go to a sealed memfd, served with
// sendfile (if that fails, e.g. out of descriptors, they stay in data).
func newSlice(key string, m *meta, off int64, data []byte, memfds memfdSizes, log *slog.Logger) *slice {
	sl := &slice{key: key, meta: m, off: off, data: data}
	if !memfds.holds(int64(len(data))) {
		return sl
	}
	mf, err := memfile.New(key, data)
	if err != nil {
		log.Debug("keeping a slice on the heap", "key", key, "err", err)
		return sl
	}
	sl.mf, sl.data = mf, nil
	return sl
}

func (s *slice) CacheKey() string { return s.key }
func (s *slice) CacheSize() int64 { return s.length() + int64(len(s.key)) }

// release lets go of the memfd when the RAM tier drops the slice.
func (s *slice) release() {
	if s.mf != nil {
		s.mf.Release()
	}
}

func (s *slice) wait() (*meta, int64, error) { return s.meta, s.off, nil }

func (s *slice) complete() ([]byte, bool) { return s.data, s.mf == nil }

// length returns the number of object bytes the slice holds.
func (s *slice) length() int64 {
	if s.mf != nil {
		return s.mf.Size()
	}
	return int64(len(s.data))
}

func (s *slice) next(pos int64) ([]byte, error) {
	if s.mf != nil {
		return s.readMemfile(pos)
	}
	rel := pos - s.off
	if rel >= int64(len(s.data)) {
		return nil, io.EOF
	}
	return s.data[rel:], nil
}

func (s *slice) sendfile() bool { return s.mf != nil }

func (s *slice) openAt(pos int64) (*os.File, error) { return s.mf.Open(pos - s.off) }

func (s *slice) close() {}

// readMemfile copies up to 64 KiB of a memfd slice from pos, for readers
// that cannot take a file (Read rather than WriteTo).
func (s *slice) readMemfile(pos int64) ([]byte, error) {
	rel := pos - s.off
	if rel >= s.mf.Size() {
		return nil, io.EOF
	}
	p := make([]byte, min(64<<10, s.mf.Size()-rel))
	n, err := s.mf.ReadAt(p, rel)
	if n > 0 {
		return p[:n], nil
	}
	return nil, err
}
