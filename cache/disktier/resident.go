package disktier

import "syscall"

// The resident read path, for a caller that must not wait for a disk
// (the edge's event loops): a record only from memory, a data file only
// if it is open already. Anything else is not found here, and the
// caller takes the ordinary path, which may read the index or open the
// file.

// LookupResident returns key's record if the disk's record cache holds
// it, counting an access then (as Lookup with touch); it never reads
// the index. A key it does not find is not counted, so the ordinary
// Lookup the caller falls back to counts it once. Only the owner is
// probed: a key a degraded owner lacks is not found.
func (s *Store) LookupResident(key string) (*Record, bool) {
	o := s.spread.Load().owner(key)
	if o == nil || o.failure.Load() != nil {
		return nil, false
	}
	r := o.recs.get(key)
	if r == nil {
		return nil, false
	}
	if _, present := o.tableFreq(o.hash(key), true); !present && o.loaded.Load() {
		return nil, false // evicted since the record was cached
	}
	return r, true
}

// HoldOpen is Hold for a file the open-file cache holds open already:
// false, with nothing held, when it would have to open it. A size check
// that is due is made here (fstat reads the inode in memory); a file
// found cut, or one fstat fails on, is not held, and is left to Hold,
// which evicts it.
func (s *Store) HoldOpen(r *Record) (Held, bool) {
	d := s.diskOf(r)
	if d == nil {
		return Held{}, false
	}
	o := d.fds.acquireOpen(r)
	if o == nil {
		return Held{}, false
	}
	if now := monoNow(); now-o.sized.Load() >= int64(d.cfg.SizeCheck) {
		var st syscall.Stat_t
		if syscall.Fstat(o.fd, &st) != nil || st.Size != r.Length {
			d.fds.release(o)
			return Held{}, false
		}
		o.sized.Store(now)
	}
	return Held{d: d, r: r, o: o}, true
}

// NeedsVerifySticky is NeedsVerify for a caller that hands the read to
// another path, which asks again: a sampled yes clears the slice's
// verified flag, so that it stays yes until a read has verified it and
// the sample is not drawn twice.
func (s *Store) NeedsVerifySticky(key string) bool {
	d := s.spread.Load().holder(key)
	if d == nil {
		return true
	}
	if !d.NeedsVerify(key) {
		return false
	}
	d.table.ClearFlag(d.hash(key))
	return true
}
