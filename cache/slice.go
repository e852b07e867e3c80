package cache

import (
	"io"
	"log/slog"
	"os"

	"github.com/vodedge/vodedge/cache/memfile"
)

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
// slice of at least memfdMin (0: none) go to a sealed memfd, served with
// sendfile (if that fails, e.g. out of descriptors, they stay in data).
func newSlice(key string, m *meta, off int64, data []byte, memfdMin int64, log *slog.Logger) *slice {
	sl := &slice{key: key, meta: m, off: off, data: data}
	if memfdMin <= 0 || int64(len(data)) < memfdMin {
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
