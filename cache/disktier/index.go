package disktier

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// Records live under "o/" + slice key (entry.go lists the other keys
// of a slice). Indexes written before the switch to evict.Compact also
// hold access statistics under "a/"; the start-up that adds the "h/"
// and "f/" keys deletes them.
var (
	recPrefix   = []byte("o/")
	statsPrefix = []byte("a/")
)

func recKey(key string) []byte { return append(append([]byte(nil), recPrefix...), key...) }

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// scan calls fn for every record whose slice key starts with prefix, in
// key order, until fn returns false. Undecodable records are deleted.
// fn must not read the index itself (see readLock).
func (s *disk) scan(prefix string, fn func(*Record) bool) error {
	return s.scanAfter(prefix, "", fn)
}

// scanAfter is scan starting after the slice key after ("" for the
// first): it seeks there, so paging through a large index costs no
// more per page than the page.
func (s *disk) scanAfter(prefix, after string, fn func(*Record) bool) error {
	if !s.readLock() {
		return errClosed
	}
	defer s.dbMu.RUnlock()
	lo := recKey(prefix)
	opts := &pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)}
	if after >= prefix && after != "" {
		opts.LowerBound = append(recKey(after), 0)
		if opts.UpperBound != nil && bytes.Compare(opts.LowerBound, opts.UpperBound) >= 0 {
			return nil
		}
	}
	it, err := s.db.NewIter(opts)
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		key := string(it.Key()[len(recPrefix):])
		r, err := decodeRecord(key, it.Value())
		if err != nil {
			s.log.Warn("dropping corrupt index record", "key", key, "err", err)
			s.dropIndex(key, reasonCorrupt)
			continue
		}
		r.d = s
		if !fn(r) {
			break
		}
	}
	return it.Error()
}
