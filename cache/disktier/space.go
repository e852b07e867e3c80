package disktier

import "github.com/cockroachdb/pebble/v2"

// reserve promises n bytes to a writer, evicting by policy until they fit.
// Eviction does its I/O (index delete, unlink) outside the space lock.
func (s *disk) reserve(n int64) error {
	for {
		s.space.Lock()
		if s.space.used+s.space.reserved+n <= s.capacityLocked() {
			s.space.reserved += n
			s.space.Unlock()
			return nil
		}
		s.space.Unlock()
		key, ok := s.table.Victim()
		if !ok {
			return ErrFull
		}
		if !s.evict(key, reasonCapacity) {
			s.table.Remove(key) // no record behind it: drop the stale entry
		}
	}
}

func (s *disk) release(n int64) {
	s.space.Lock()
	s.space.reserved -= n
	s.space.Unlock()
}

// Eviction reasons, as labelled in metrics.
const (
	reasonCapacity = "capacity"
	reasonCorrupt  = "checksum"
	reasonIOError  = "io_error"
	reasonPurge    = "purge"
	reasonDangling = "missing_file"
)

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
// when there was none). s.recMu must be held.
func (s *disk) unindexLocked(key, reason string) *Record {
	r, err := s.get(key)
	if err != nil || r == nil {
		s.table.Remove(key)
		return nil
	}
	if err := s.ix.apply(func(db *pebble.DB) error { return deleteEntry(db, key) }); err != nil {
		s.ioError(err)
		return nil
	}
	s.recs.invalidate(key)
	s.forget(r, reason)
	return r
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

// dropIndex deletes an index entry that cannot be decoded.
func (s *disk) dropIndex(key, reason string) {
	_ = s.ix.apply(func(db *pebble.DB) error { return db.Delete(recKey(key), nil) })
	s.recs.invalidate(key)
	s.table.Remove(key)
	s.m.evictions.WithLabelValues(reason).Inc()
}

// forget removes r from the accounting, the eviction table and the
// verified set. Once loaded, the table's entry is the source of truth for
// whether r was counted, so a record is never subtracted twice; before,
// the loading scan counts only what it still finds.
func (s *disk) forget(r *Record, reason string) {
	s.verified.Delete(r.Key)
	var size int64
	if reason == reasonCapacity {
		size = s.table.Evict(r.Key) // ages LFU-DA by the victim
	} else {
		size = s.table.Remove(r.Key)
	}
	if size == 0 || !s.loaded.Load() {
		return
	}
	s.space.Lock()
	s.space.used -= blocks(r.Length)
	s.space.objects--
	s.space.Unlock()
}

// deleteEntry deletes key's record and access statistics in one synced
// batch.
func deleteEntry(db *pebble.DB, key string) error {
	b := db.NewBatch()
	defer b.Close()
	_ = b.Delete(recKey(key), nil)
	_ = b.Delete(statsKey(key), nil)
	return b.Commit(pebble.Sync)
}
