package disktier

import (
	"github.com/cockroachdb/pebble/v2"

	"github.com/vodedge/vodedge/internal/cachekey"
)

// Delete removes key's slice; it reports whether it was stored.
func (s *disk) Delete(key string) bool { return s.evict(key, reasonPurge) }

// PurgePrefix removes every slice whose key starts with prefix and
// returns the slice keys removed.
func (s *disk) PurgePrefix(prefix string) ([]string, error) {
	var keys []string
	if err := s.scan(prefix, func(r *Record) bool { keys = append(keys, r.Key); return true }); err != nil {
		return nil, err
	}
	removed := keys[:0]
	for _, k := range keys {
		if s.evict(k, reasonPurge) {
			removed = append(removed, k)
		}
	}
	return removed, nil
}

// List returns up to limit records whose keys start with prefix, in key
// order, starting after the key after (for paging).
func (s *disk) List(prefix, after string, limit int) ([]*Record, error) {
	var out []*Record
	err := s.scanAfter(prefix, after, func(r *Record) bool {
		if r.Key <= after { // an after before prefix
			return true
		}
		out = append(out, r)
		return len(out) < limit
	})
	return out, err
}

// Pin marks key's slice as held by a fill manifest: it is never evicted
// while pinned. It reports whether the key is stored.
func (s *disk) Pin(key string, pinned bool) (bool, error) {
	ok, err := s.pinLocked(key, pinned)
	if err == nil && ok {
		err = s.syncIndex()
	}
	return ok, err
}

func (s *disk) pinLocked(key string, pinned bool) (bool, error) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	r, err := s.get(key)
	if err != nil || r == nil {
		return false, err
	}
	r.Pinned = pinned
	h := s.hash(key)
	if err := s.ix.apply(func(db *pebble.DB) error { return setPinnedEntry(db, r, h) }); err != nil {
		s.ioError(err)
		return false, err
	}
	s.recs.invalidate(key)
	if st, ok := s.table.Stat(h); ok && st.Keys > 1 { // the entry is pinned if either key is
		pinned = pinned || s.anyPinnedLocked(h)
	}
	s.table.SetPinned(h, pinned)
	return true, nil
}

// Info is what Stat reports about a stored slice beyond its record.
type Info struct {
	Record
	// Hits is the slice's hit counter in the eviction table, 0–3 (see
	// cache/evict: S3-FIFO's counter, lowered as the slice ages).
	Hits     uint32
	Verified bool // checksummed since start-up
}

// Stat returns key's record and eviction state.
func (s *disk) Stat(key string) (*Info, bool) {
	r, err := s.get(key)
	if err != nil || r == nil {
		return nil, false
	}
	info := &Info{Record: *r}
	if st, ok := s.table.Stat(s.hash(key)); ok {
		info.Hits, info.Verified = uint32(st.Freq), st.Flag && st.Keys == 1
	}
	return info, true
}

// Usage returns the bytes and slices stored and the capacity. Slices
// are the eviction table's entries: two keys sharing a hash (about one
// in 100,000 at 20 million slices) count once. Until the disk is loaded
// both count what the saved state and the reconciliation so far hold.
func (s *disk) Usage() (used, objects, capacity int64) {
	s.space.Lock()
	defer s.space.Unlock()
	return s.usedLocked(), int64(s.table.Len()), s.capacityLocked()
}

// Pinned reports, from memory only, whether key is stored and pinned
// (on a hash collision: whether either key is).
func (s *disk) Pinned(key string) bool {
	st, ok := s.table.Stat(s.hash(key))
	return ok && st.Pinned
}

// UpdateMeta rewrites the records of the object at objKey (the slice
// keys objKey and objKey+"\x00"+n) for which fn returns true after
// changing them; fn may change Meta only. It returns how many it
// rewrote.
func (s *disk) UpdateMeta(objKey string, fn func(r *Record) bool) (int, error) {
	var keys []string
	if err := s.scan(objKey, func(r *Record) bool {
		if cachekey.ObjectKey(r.Key) == objKey {
			keys = append(keys, r.Key)
		}
		return true
	}); err != nil || len(keys) == 0 {
		return 0, err
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	changed := map[string][]byte{}
	for _, k := range keys {
		r, err := s.get(k)
		if err != nil || r == nil {
			continue
		}
		upd := *r // fn may change Meta only: the rest is taken from r
		if !fn(&upd) || len(upd.Meta) > maxMetaBytes {
			continue
		}
		r.Meta = upd.Meta
		changed[k] = r.encode()
	}
	if len(changed) == 0 {
		return 0, nil
	}
	if err := s.ix.apply(func(db *pebble.DB) error { return commitSets(db, changed) }); err != nil {
		s.ioError(err)
		return 0, err
	}
	for k := range changed {
		s.recs.invalidate(k)
	}
	return len(changed), nil
}

// commitSets writes the records of sets (slice key → encoded record) in
// one batch, without a sync.
func commitSets(db *pebble.DB, sets map[string][]byte) error {
	b := db.NewBatch()
	defer b.Close()
	for k, v := range sets {
		if err := b.Set(recKey(k), v, nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

// First returns the first record (in key order) whose slice key starts
// with prefix.
func (s *disk) First(prefix string) (*Record, bool) {
	var out *Record
	_ = s.scan(prefix, func(r *Record) bool { out = r; return false })
	return out, out != nil
}

// DeleteObjectIf removes the slices of the object at objKey whose
// records match (under the record lock, so a slice committed meanwhile
// is judged as it is now) and returns their keys.
func (s *disk) DeleteObjectIf(objKey string, match func(r *Record) bool) []string {
	var keys []string
	_ = s.scan(objKey, func(r *Record) bool {
		if cachekey.ObjectKey(r.Key) == objKey {
			keys = append(keys, r.Key)
		}
		return true
	})
	var out []string
	for _, k := range keys {
		var gone *Record
		s.recMu.Lock()
		if r, err := s.get(k); err == nil && r != nil && match(r) {
			gone = s.unindexLocked(k, reasonPurge)
		}
		s.recMu.Unlock()
		if s.removeFile(gone, reasonPurge) {
			out = append(out, k)
		}
	}
	return out
}
