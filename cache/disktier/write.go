package disktier

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Writer stores one slice. Create it with Store.Create, Write the slice's
// bytes in order, then Commit (or Abort). The slice becomes visible to
// Lookup only when Commit has written the data file, renamed it into
// place and committed its index record; a crash at any point before
// leaves a temp file (removed at start-up) or an unindexed data file
// (removed by the sweep), never a visible partial object.
type Writer struct {
	s        *disk
	rec      Record
	f        WriteFile
	n        int64
	chunk    []byte // bytes of the current chunk not yet checksummed
	pend     []byte // bytes accepted, not yet written (WriteBatch)
	err      error  // a failed write: every later Write and Commit fails
	reserved int64
	done     bool
}

// WriteBatch is the unit of a data file's writes: each is a whole
// number of batches, but for the one that holds the slice's last bytes.
// Bytes offered in smaller pieces (fill copies 32 KiB at a time) are
// gathered first. ext4 (Linux 6.16 on) caches a file's pages in folios
// no larger than the writes that made them, and sendfile of large
// folios costs less: nginx sent 2 MiB files written in 1 or 2 MiB writes
// for 4-8 % less CPU than the same files written 32 KiB at a time
// (2-core loopback, pinned, in five of six alternating rounds). The
// gathering buffer is pooled and given back once the last bytes are
// written; a caller that offers whole batches (the write-through) needs
// none.
const WriteBatch = 1 << 20

var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, WriteBatch); return &b }}

// Create starts storing the slice described by r (Key, Offset, Length,
// ObjSize and the origin metadata; the rest is filled in). It reserves
// space, evicting by policy if needed, and returns ErrNotAdmitting while
// the tier is loading or degraded.
func (s *disk) Create(r Record) (*Writer, error) {
	if err := s.admitting(); err != nil {
		return nil, err
	}
	if r.Length < 0 || r.Offset < 0 || r.ObjSize < r.Offset+r.Length {
		return nil, fmt.Errorf("disktier: bad extent for %q", r.Key)
	}
	if len(r.Meta) > maxMetaBytes {
		return nil, fmt.Errorf("disktier: %d bytes of meta for %q, limit %d", len(r.Meta), r.Key, maxMetaBytes)
	}
	need := blocks(r.Length)
	if err := s.reserve(need); err != nil {
		return nil, err
	}
	f, err := s.fs.CreateTemp()
	if err != nil {
		s.release(need)
		s.writeError(err)
		return nil, fmt.Errorf("disktier: creating %q: %w", r.Key, err)
	}
	r.File, r.ChunkBytes, r.CRCs, r.d = fileName(r.Key), s.cfg.ChunkBytes, nil, s
	s.committing.Store(r.File, struct{}{})
	return &Writer{s: s, rec: r, f: f, reserved: need, chunk: make([]byte, 0, s.cfg.ChunkBytes)}, nil
}

// Write appends p to the slice. After a failed write the writer only
// fails: Abort it.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.n+int64(len(p)) > w.rec.Length {
		return 0, fmt.Errorf("disktier: %q: more than the announced %d bytes", w.rec.Key, w.rec.Length)
	}
	w.checksum(p)
	w.n += int64(len(p))
	if err := w.gather(p); err != nil {
		w.s.writeError(err)
		w.err = fmt.Errorf("disktier: writing %q: %w", w.rec.Key, err)
		return 0, w.err
	}
	return len(p), nil
}

// gather writes whole batches of p straight, the slice's last bytes
// with them, and keeps the rest in pend until it holds a batch or the
// slice's end.
func (w *Writer) gather(p []byte) error {
	last := w.n == w.rec.Length
	for len(p) > 0 {
		if len(w.pend) == 0 {
			k := len(p) - len(p)%WriteBatch
			if last {
				k = len(p)
			}
			if err := w.writeOut(p[:k]); err != nil {
				return err
			}
			if p = p[k:]; len(p) == 0 {
				break
			}
			w.pend = (*writeBufs.Get().(*[]byte))[:0]
		}
		k := min(len(p), WriteBatch-len(w.pend))
		w.pend, p = append(w.pend, p[:k]...), p[k:]
		if len(w.pend) == WriteBatch {
			if err := w.writeOut(w.pend); err != nil {
				return err
			}
			w.dropPend()
		}
	}
	if !last {
		return nil
	}
	err := w.writeOut(w.pend)
	w.dropPend()
	return err
}

// writeOut writes b to the data file whole.
func (w *Writer) writeOut(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := w.f.Write(b)
	return err
}

// dropPend gives the gathering buffer back to the pool.
func (w *Writer) dropPend() {
	if w.pend != nil {
		b := w.pend[:0]
		w.pend = nil
		writeBufs.Put(&b)
	}
}

// checksum folds p into the per-chunk CRCs.
func (w *Writer) checksum(p []byte) {
	for len(p) > 0 {
		take := min(len(p), w.rec.ChunkBytes-len(w.chunk))
		w.chunk = append(w.chunk, p[:take]...)
		p = p[take:]
		if len(w.chunk) == w.rec.ChunkBytes {
			w.rec.CRCs = append(w.rec.CRCs, checksum(w.chunk))
			w.chunk = w.chunk[:0]
		}
	}
}

// Commit makes the slice visible. The data file is not fsynced: a killed
// process loses nothing the kernel holds, and after a power loss every
// object is verified on its first read (see cache/doc.go).
func (w *Writer) Commit() error {
	if w.done {
		return errors.New("disktier: writer already finished")
	}
	w.done = true
	defer w.s.committing.Delete(w.rec.File)
	if w.err != nil {
		w.abort()
		return w.err
	}
	if w.n != w.rec.Length {
		w.abort()
		return fmt.Errorf("disktier: %q: got %d of %d bytes", w.rec.Key, w.n, w.rec.Length)
	}
	if len(w.chunk) > 0 {
		w.rec.CRCs = append(w.rec.CRCs, checksum(w.chunk))
	}
	if err := w.f.Close(); err != nil {
		w.abort()
		w.s.writeError(err)
		return fmt.Errorf("disktier: closing %q: %w", w.rec.Key, err)
	}
	if err := w.s.fs.Commit(w.f.Name(), w.rec.File); err != nil {
		w.abort()
		w.s.writeError(err)
		return fmt.Errorf("disktier: committing %q: %w", w.rec.Key, err)
	}
	return w.s.index(&w.rec, w.reserved)
}

// Abort discards the slice.
func (w *Writer) Abort() {
	if !w.done {
		w.done = true
		w.s.committing.Delete(w.rec.File)
		w.abort()
	}
}

func (w *Writer) abort() {
	w.dropPend()
	_ = w.f.Close()
	_ = w.s.fs.Discard(w.f.Name())
	w.s.release(w.reserved)
}

// index commits r's record, replacing (and deleting the file of) any
// previous version of the key. The index and the eviction table change
// under the record lock: the previous version leaves both at once; r
// joins the table only once its record is durable (a slice is counted,
// and found by Lookup, only if a crash would keep it), if it is still
// the key's record then.
func (s *disk) index(r *Record, reserved int64) error {
	r.StoredAt = time.Now()
	h := s.hash(r.Key)
	s.recMu.Lock()
	old, _ := s.get(r.Key)
	err := s.ix.apply(func(db *pebble.DB) error { return setEntry(db, r, h, old) })
	s.recs.invalidate(r.Key)
	if err == nil && old != nil {
		s.untrackLocked(old, h)
	}
	s.recMu.Unlock()
	if err == nil {
		err = s.syncIndex()
	}
	if err == nil {
		s.track(r, h)
	}
	s.release(reserved) // after track: used and reserved overlap, never miss it
	if err != nil {
		_ = s.removeData(r.File)
		s.ioError(err)
		return fmt.Errorf("disktier: indexing %q: %w", r.Key, err)
	}
	if old != nil && old.File != r.File {
		_ = s.removeData(old.File)
	}
	s.m.written.Add(float64(r.Length))
	return nil
}

// track adds r, just committed, to the eviction table unless another
// commit or a delete of its key came first (which did the table's part).
func (s *disk) track(r *Record, h uint64) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	cur, err := s.get(r.Key)
	if err != nil || cur == nil || cur.File != r.File {
		return
	}
	if !s.reconciledLocked(h) { // its "h/" key is yet to be marked: that adds it
		s.space.Lock()
		s.space.pending += blocks(cur.Length)
		s.space.Unlock()
		return
	}
	// cur's pin: it may have been pinned meanwhile. Verified: written
	// from checked bytes.
	s.table.Add(h, blocks(cur.Length), cur.Pinned)
	s.table.SetFlag(h)
}

// writeError records a failed write; ENOSPC marks the disk full.
func (s *disk) writeError(err error) {
	if errors.Is(err, syscall.ENOSPC) {
		s.health.diskFull()
	}
	s.ioError(err)
	s.m.ioErrors.Inc()
}

// syncIndex makes the index writes so far durable. Records are written
// with NoSync under the record lock, then synced here, outside it, so
// concurrent commits share one WAL sync (Pebble batches them). Without
// the sync Pebble keeps small writes in its own buffer, and a kill -9
// would lose objects that had already been served from disk.
func (s *disk) syncIndex() error {
	return s.ix.sync()
}
