package disktier

import "os"

// The read path: a key is looked up on the disk placement gives its
// object; a record found goes back to the disk it came from.

// Lookup returns key's record, counting an access when touch is set.
// The record may be shared with other callers: it must not be modified.
// It probes one disk, the object's owner (and, only while the owner is
// degraded and lacks the key, the disk that takes its new objects, from
// memory). Once a disk's table is loaded a key it does not hold is a miss
// without touching its index, so misses cost no disk I/O.
func (s *Store) Lookup(key string, touch bool) (*Record, bool) {
	l := s.spread.Load()
	o := l.owner(key)
	if o == nil {
		return nil, false
	}
	if r, ok := o.Lookup(key, touch); ok || !o.degraded() {
		return r, ok
	}
	if w := l.writer(key); w != o && w.Has(key) {
		return w.Lookup(key, touch)
	}
	return nil, false
}

// diskOf is the disk r was read from; a record the caller made up is
// routed by its key.
func (s *Store) diskOf(r *Record) *disk {
	if r.d != nil {
		return r.d
	}
	return s.spread.Load().holder(r.Key)
}

// Open opens r's data file for sending. A missing file drops the record
// (ErrNotFound); a file whose size is not the record's is rot (a reader
// or sendfile would stop short and cut the response): the object is
// evicted as corrupt and the error wraps ErrChecksum; other errors count
// towards the disk's degraded state and evict the object.
func (s *Store) Open(r *Record) (*os.File, error) {
	d := s.diskOf(r)
	if d == nil {
		return nil, ErrNotFound
	}
	return d.Open(r)
}

// ReadAt fills p with r's bytes from offset off within the slice,
// through a data file kept open between reads (OpenFiles). A file that
// cannot be read whole is evicted, as by Open and ReadFailed, and the
// error returned.
func (s *Store) ReadAt(r *Record, p []byte, off int64) error {
	d := s.diskOf(r)
	if d == nil {
		return ErrNotFound
	}
	return d.ReadAt(r, p, off)
}

// Hold returns r's data file held open for sending at offsets (see
// Held), once it is known as long as its record: at its open, or by an
// fstat when the last check is older than SizeCheck.
func (s *Store) Hold(r *Record) (Held, error) {
	d := s.diskOf(r)
	if d == nil {
		return Held{}, ErrNotFound
	}
	return d.Hold(r)
}

// ReadFailed evicts r after an I/O error reading it; the caller treats
// the object as a miss.
func (s *Store) ReadFailed(r *Record, err error) {
	if d := s.diskOf(r); d != nil {
		d.ReadFailed(r, err)
	}
}

// Corrupt evicts r after a checksum mismatch. Concurrent readers may
// find the same rot; it is counted once, by the one that evicts.
func (s *Store) Corrupt(r *Record) {
	if d := s.diskOf(r); d != nil {
		d.Corrupt(r)
	}
}

// NewChunkReader opens r for verified reading.
func (s *Store) NewChunkReader(r *Record) (*ChunkReader, error) {
	d := s.diskOf(r)
	if d == nil {
		return nil, ErrNotFound
	}
	return d.NewChunkReader(r)
}

// NeedsVerify reports whether a read of key should check checksums: its
// first read since start-up, then a VerifySample fraction of reads.
func (s *Store) NeedsVerify(key string) bool {
	d := s.spread.Load().holder(key)
	return d == nil || d.NeedsVerify(key)
}

// Has reports, from memory only, whether key is stored. Before a disk's
// index is loaded it reports false for the keys placed on it.
func (s *Store) Has(key string) bool {
	d := s.spread.Load().holder(key)
	return d != nil && d.Has(key)
}

// Hits returns key's hit counter on its disk's eviction table, 0–3
// (see disk.Hits; it survives restarts).
func (s *Store) Hits(key string) uint32 {
	if d := s.spread.Load().holder(key); d != nil {
		return d.Hits(key)
	}
	return 0
}

// Pinned reports, from memory only, whether key is stored and pinned.
func (s *Store) Pinned(key string) bool {
	d := s.spread.Load().holder(key)
	return d != nil && d.Pinned(key)
}

// Create starts storing the slice described by r (Key, Offset, Length,
// ObjSize and the origin metadata; the rest is filled in) on the disk
// placement gives its object. It reserves space there, evicting by
// policy if needed, and returns ErrNotAdmitting while that disk is
// loading or every disk is degraded.
func (s *Store) Create(r Record) (*Writer, error) {
	d := s.spread.Load().writer(r.Key)
	if d == nil {
		return nil, ErrNoDisk
	}
	return d.Create(r)
}
