package disktier

import (
	"errors"

	"github.com/cockroachdb/pebble/v2"
)

// errIndexWrite is an eviction's index write failing (the disk counts
// the I/O error itself).
var errIndexWrite = errors.New("disktier: evicting: index write failed")

// reserve promises n bytes to a writer, evicting by policy until they fit.
// Eviction does its I/O (index delete, unlink) outside the space lock.
func (s *disk) reserve(n int64) error {
	for {
		s.space.Lock()
		if s.usedLocked()+s.space.reserved+n <= s.capacityLocked() {
			s.space.reserved += n
			s.space.Unlock()
			return nil
		}
		s.space.Unlock()
		h, ok := s.table.Victim()
		if !ok {
			return ErrFull
		}
		if err := s.evictHash(h); err != nil {
			return err
		}
	}
}

func (s *disk) release(n int64) {
	s.space.Lock()
	s.space.reserved -= n
	s.space.Unlock()
}

// usedLocked is what committed data files occupy, block-rounded: what
// the eviction table charges, and what commits during reconciliation
// left to it. s.space must be held.
func (s *disk) usedLocked() int64 { return s.table.Stats().Bytes() + s.space.pending }

// Eviction reasons, as labelled in metrics.
const (
	reasonCapacity = "capacity"
	reasonCorrupt  = "checksum"
	reasonIOError  = "io_error"
	reasonPurge    = "purge"
	reasonDangling = "missing_file"
)

// evictHash evicts the victim h the table handed out: every slice
// stored under the hash (one, or more on a collision), found through
// the index's "h/" keys. If one of them is pinned (the table did not
// know yet) nothing goes and the entry is pinned; if the index cannot
// be read or written the entry goes back to a queue and the error is
// returned. A hash no slice has (a stale entry) just leaves the table.
func (s *disk) evictHash(h uint64) error {
	s.recMu.Lock()
	gone, err := s.evictHashLocked(h)
	s.recMu.Unlock()
	for _, r := range gone {
		s.removeFile(r, reasonCapacity)
	}
	return err
}

func (s *disk) evictHashLocked(h uint64) ([]*Record, error) {
	recs, err := s.hashRecords(h)
	if err != nil {
		s.requeue(h)
		return nil, err
	}
	for _, r := range recs {
		if r.Pinned {
			s.table.SetPinned(h, true)
			return nil, nil
		}
	}
	var gone []*Record
	for _, r := range recs {
		if s.unindexLocked(r.Key, reasonCapacity) == nil {
			for _, g := range gone { // keep the entry for the keys left
				s.table.Remove(h, blocks(g.Length))
			}
			s.requeue(h)
			return gone, errIndexWrite
		}
		gone = append(gone, r)
	}
	s.table.Evict(h)
	return gone, nil
}

// requeue puts a victim handed out back into a queue.
func (s *disk) requeue(h uint64) {
	s.table.SetPinned(h, true) // out of the victims
	s.table.SetPinned(h, false)
}

// hashRecords returns the records of the slices stored under h.
func (s *disk) hashRecords(h uint64) ([]*Record, error) {
	var keys []string
	err := s.scanHash(h, func(k, _ []byte) { keys = append(keys, string(k[len(hashPrefix)+8:])) })
	if err != nil {
		return nil, err
	}
	recs := make([]*Record, 0, len(keys))
	for _, k := range keys {
		r, err := s.get(k)
		if err != nil {
			return nil, err
		}
		if r != nil {
			recs = append(recs, r)
		}
	}
	return recs, nil
}

// scanHash calls fn with every "h/" key under h and its value.
func (s *disk) scanHash(h uint64, fn func(k, v []byte)) error {
	if !s.readLock() {
		return errClosed
	}
	defer s.dbMu.RUnlock()
	lo := hashKeyPrefix(h)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		s.ioError(err)
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		fn(it.Key(), it.Value())
	}
	return it.Close()
}

// anyPinnedLocked reports whether a slice stored under h is pinned,
// from the index. s.recMu must be held.
func (s *disk) anyPinnedLocked(h uint64) bool {
	pinned := false
	_ = s.scanHash(h, func(k, v []byte) {
		_, _, p, ok := parseHashEntry(k, v)
		pinned = pinned || (ok && p)
	})
	return pinned
}

// evict removes key's record and data file for reason. Concurrent
// evictions of one key remove (and count) it once: the index entry is
// removed under the record lock, the file unlinked after it.
func (s *disk) evict(key, reason string) bool {
	s.recMu.Lock()
	r := s.unindexLocked(key, reason)
	s.recMu.Unlock()
	return s.removeFile(r, reason)
}

// unindexLocked removes key's index entry and returns its record (nil
// when there was none or the index failed). Unless the eviction table
// chose it (reasonCapacity: the caller evicts the hash whole), it is
// taken out of the table too. s.recMu must be held.
func (s *disk) unindexLocked(key, reason string) *Record {
	r, err := s.get(key)
	if err != nil || r == nil {
		return nil
	}
	h := s.hash(key)
	if err := s.ix.apply(func(db *pebble.DB) error { return deleteEntry(db, r, h) }); err != nil {
		s.ioError(err)
		return nil
	}
	s.recs.invalidate(key)
	if reason != reasonCapacity {
		s.untrackLocked(r, h)
	}
	return r
}

// untrackLocked takes r, no longer indexed, out of the eviction table.
// On a hash collision the entry stays for the other key, pinned as it
// is. s.recMu must be held.
func (s *disk) untrackLocked(r *Record, h uint64) {
	s.table.Remove(h, blocks(r.Length))
	if st, ok := s.table.Stat(h); ok && st.Pinned != s.anyPinnedLocked(h) {
		s.table.SetPinned(h, !st.Pinned)
	}
}

// removeFile unlinks an unindexed record's data file; it reports whether
// there was a record.
func (s *disk) removeFile(r *Record, reason string) bool {
	if r == nil {
		return false
	}
	if err := s.removeData(r.File); err != nil && reason != reasonDangling {
		s.log.Debug("removing evicted data file failed", "file", r.File, "err", err)
	}
	s.m.evictions.WithLabelValues(reason).Inc()
	return true
}

// dropIndex deletes the entry of key, whose record cannot be decoded.
// Its size is unknown: the table entry goes (on a collision, one key
// and one block of the shared entry go; the next start-up's
// reconciliation sets the rest right).
func (s *disk) dropIndex(key, reason string) {
	h := s.hash(key)
	_ = s.ix.apply(func(db *pebble.DB) error { return deleteUndecodable(db, key, h) })
	s.recs.invalidate(key)
	s.table.Remove(h, 0)
	s.m.evictions.WithLabelValues(reason).Inc()
}
