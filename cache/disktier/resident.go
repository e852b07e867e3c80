package disktier

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The resident read path, for a caller that must not wait for a disk
// (the edge's event loops): a record only from memory, a data file only
// if it is open already, no lock held across a close. Anything else is
// not found here, and the caller takes the ordinary path, which may
// read the index or open the file.

// LookupResident returns key's record if the disk's record cache holds
// it; it never reads the index, and counts no access: a caller that
// answers from it calls Touch, one that falls back to Lookup is counted
// there, once. Only the owner is probed: a key a degraded owner lacks
// is not found.
func (s *Store) LookupResident(key string) (*Record, bool) {
	o := s.spread.Load().owner(key)
	if o == nil || o.failure.Load() != nil {
		return nil, false
	}
	r := o.recs.get(key)
	if r == nil {
		return nil, false
	}
	if _, present := o.tableFreq(o.hash(key), false); !present && o.loaded.Load() {
		return nil, false // evicted since the record was cached
	}
	return r, true
}

// Touch counts an access to r's slice, as Lookup with touch does.
func (s *Store) Touch(r *Record) {
	if d := s.diskOf(r); d != nil {
		d.tableFreq(d.hash(r.Key), true)
	}
}

// HoldOpen is Hold for a file the open-file cache holds open already:
// false, with nothing held, when it would have to open it. A size check
// that is due is made here (fstat reads the inode in memory); a file
// found cut, or one fstat fails on, is not held, and is left to Hold,
// which evicts it. Release the hold with ReleaseNoWait.
func (s *Store) HoldOpen(r *Record) (Held, bool) {
	d := s.diskOf(r)
	if d == nil {
		return Held{}, false
	}
	o := d.fds.acquireOpen(r)
	if o == nil {
		return Held{}, false
	}
	h := Held{d: d, r: r, o: o}
	if now := monoNow(); now-o.sized.Load() >= int64(d.cfg.SizeCheck) {
		var st syscall.Stat_t
		if syscall.Fstat(o.fd, &st) != nil || st.Size != r.Length {
			h.ReleaseNoWait()
			return Held{}, false
		}
		o.sized.Store(now)
	}
	return h, true
}

// KeepSample is for a caller that NeedsVerify said yes to and that hands
// the read to another path, which asks NeedsVerify again: the yes is
// kept for that next ask (of this key, once), so that the read is
// verified and the sample is not drawn twice.
func (s *Store) KeepSample(key string) {
	if d := s.spread.Load().holder(key); d != nil {
		d.pending.add(key)
	}
}

// Verify reports whether b, the held slice's bytes whole, matches the
// slice's checksums, and if so records it as verified (as a ChunkReader
// that read it all does). A mismatch is only reported: the caller
// evicts the slice (Corrupt), which a path that verifies only the
// chunks a range covers might not do.
func (h *Held) Verify(b []byte) bool {
	r := h.r
	cb := int64(r.ChunkBytes)
	if int64(len(b)) != r.Length || cb <= 0 || int64(len(r.CRCs)) != (r.Length+cb-1)/cb {
		return false
	}
	for i, want := range r.CRCs {
		start := int64(i) * cb
		if checksum(b[start:min(start+cb, r.Length)]) != want {
			return false
		}
	}
	h.d.markVerified(r.Key)
	return true
}

// Length is the held slice's length in bytes.
func (h *Held) Length() int64 { return h.r.Length }

// verifyPending holds the keys KeepSample kept, until
// NeedsVerify is asked of them once more; n spares NeedsVerify the lock
// while there are none.
type verifyPending struct {
	n  atomic.Int32
	mu sync.Mutex
	m  map[string]struct{}
}

// maxVerifyPending bounds the keys kept: a sampled read whose client
// went away before the hand-off asked leaves its key until the slice is
// read again. Past it, a sample is lost (the read is handed off, and
// the other path draws its own).
const maxVerifyPending = 4096

func (p *verifyPending) add(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]struct{})
	}
	if _, ok := p.m[key]; ok || len(p.m) >= maxVerifyPending {
		return
	}
	p.m[key] = struct{}{}
	p.n.Add(1)
}

// take reports whether key was kept, and forgets it.
func (p *verifyPending) take(key string) bool {
	if p.n.Load() == 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.m[key]; !ok {
		return false
	}
	delete(p.m, key)
	p.n.Add(-1)
	return true
}

// CachedWithin reports whether the whole held file was found in the
// page cache (MarkCached) less than d ago: a caller that must not wait
// for a disk may take that as still true, instead of asking the kernel
// again, if it accepts the risk that the pages left within d.
func (h *Held) CachedWithin(d time.Duration) bool {
	t := h.o.cached.Load()
	return t != 0 && monoNow()-t < int64(d)
}

// MarkCached notes that the whole held file was just found in the page
// cache.
func (h *Held) MarkCached() { h.o.cached.Store(max(monoNow(), 1)) }
