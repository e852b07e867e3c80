package disktier

import (
	"slices"
	"strings"
)

// Management across disks. A key lives on one disk, but a disk that left
// and came back, or a degraded owner, can leave a copy of it on another,
// never read again and evicted in time; so what removes or unpins
// reaches every disk in service, and what lists merges them. What
// removes is logged first (purgelog.go), for disks out of service now.

// logPurge logs a purge about to be applied to the disks in service and
// returns the function to call once it has been. A disk joining waits
// for the purges in progress (purgeMu).
func (s *Store) logPurge(kind byte, key string) (done func()) {
	s.purgeMu.RLock()
	seq := s.purges.add(kind, key)
	return func() {
		s.purges.done(seq)
		s.purgeMu.RUnlock()
	}
}

// Delete removes key's slice from every disk in service; it reports
// whether one was stored.
func (s *Store) Delete(key string) bool {
	defer s.logPurge('k', key)()
	removed := false
	for _, d := range s.inService() {
		if d.Has(key) || !d.Loaded() {
			removed = d.Delete(key) || removed
		}
	}
	return removed
}

// PurgePrefix removes every slice whose key starts with prefix and
// returns the slice keys removed.
func (s *Store) PurgePrefix(prefix string) ([]string, error) {
	defer s.logPurge('p', prefix)()
	var keys []string
	for _, d := range s.inService() {
		k, err := d.PurgePrefix(prefix)
		if err != nil {
			return keys, err
		}
		keys = append(keys, k...)
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// List returns up to limit records whose keys start with prefix, in key
// order, starting after the key after (for paging). A key stored on two
// disks is listed once, as its holder has it.
func (s *Store) List(prefix, after string, limit int) ([]*Record, error) {
	l := s.spread.Load()
	var all []*Record
	for _, d := range l.disks {
		rs, err := d.List(prefix, after, limit)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	slices.SortStableFunc(all, func(a, b *Record) int { return strings.Compare(a.Key, b.Key) })
	out := all[:0]
	for _, r := range all {
		switch {
		case len(out) > 0 && out[len(out)-1].Key == r.Key:
			if r.d == l.holder(r.Key) {
				out[len(out)-1] = r
			}
		case len(out) < limit:
			out = append(out, r)
		}
	}
	return out, nil
}

// Pin marks key's slice as held by a fill manifest: it is never evicted
// while pinned. It reports whether the key is stored. Pinning pins the
// copy that is read and unpins any other, which is never read; unpinning
// unpins every copy.
func (s *Store) Pin(key string, pinned bool) (bool, error) {
	l := s.spread.Load()
	h := l.holder(key)
	found := false
	for _, d := range l.disks {
		if d != h && !d.Pinned(key) {
			continue
		}
		ok, err := d.Pin(key, pinned && d == h)
		if err != nil {
			return found, err
		}
		found = found || (ok && (d == h || !pinned))
	}
	return found, nil
}

// Stat returns key's record and eviction state, from the disk that
// holds it.
func (s *Store) Stat(key string) (*Info, bool) {
	l := s.spread.Load()
	if h := l.holder(key); h != nil {
		if info, ok := h.Stat(key); ok {
			return info, true
		}
	}
	return nil, false
}

// Usage returns the bytes and slices stored and the capacity, summed over
// the disks in service.
func (s *Store) Usage() (used, objects, capacity int64) {
	for _, d := range s.inService() {
		u, o, c := d.Usage()
		used, objects, capacity = used+u, objects+o, capacity+c
	}
	return used, objects, capacity
}

// UpdateMeta rewrites the records of the object at objKey (the slice
// keys objKey and objKey+"\x00"+n) for which fn returns true after
// changing them; fn may change Meta only. It returns how many it
// rewrote. An object's slices live on its owner, or, stored while the
// owner was degraded, on its writer: both are updated.
func (s *Store) UpdateMeta(objKey string, fn func(r *Record) bool) (int, error) {
	l := s.spread.Load()
	o, w := l.owner(objKey), l.writer(objKey)
	if o == nil {
		return 0, nil
	}
	n, err := o.UpdateMeta(objKey, fn)
	if w != o && err == nil {
		var m int
		m, err = w.UpdateMeta(objKey, fn)
		n += m
	}
	return n, err
}

// First returns the first record (in key order) whose slice key starts
// with prefix, over every disk in service.
func (s *Store) First(prefix string) (*Record, bool) {
	var best *Record
	for _, d := range s.inService() {
		if r, ok := d.First(prefix); ok && (best == nil || r.Key < best.Key) {
			best = r
		}
	}
	return best, best != nil
}

// DeleteObjectIf removes the slices of the object at objKey whose
// records match (under each disk's record lock, so a slice committed
// meanwhile is judged as it is now), from every disk in service, and
// returns their keys.
func (s *Store) DeleteObjectIf(objKey string, match func(r *Record) bool) []string {
	defer s.logPurge('o', objKey)()
	var out []string
	for _, d := range s.inService() {
		out = append(out, d.DeleteObjectIf(objKey, match)...)
	}
	return out
}
