package disktier

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"

	"github.com/cockroachdb/pebble/v2"
)

// get reads key's record from the index; (nil, nil) when absent. A record
// that does not decode is deleted and reported absent.
func (s *disk) get(key string) (*Record, error) {
	r, err := s.read(key)
	if errors.Is(err, ErrCorruptRecord) {
		s.log.Warn("dropping corrupt index record", "key", key, "err", err)
		s.dropIndex(key, reasonCorrupt)
		return nil, nil
	}
	return r, err
}

// read reads and decodes key's record under the read lock.
func (s *disk) read(key string) (*Record, error) {
	if !s.readLock() {
		return nil, errClosed
	}
	defer s.dbMu.RUnlock()
	v, closer, err := s.db.Get(recKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		s.ioError(err)
		return nil, err
	}
	defer closer.Close()
	r, err := decodeRecord(key, v)
	if err != nil {
		return nil, err
	}
	r.d = s
	return r, nil
}

// readLock takes the read lock that keeps the index open, and reports
// false (unlocked) once it is closed. Readers must not nest it: a Close
// waiting for the write lock would block the inner one.
func (s *disk) readLock() bool {
	s.dbMu.RLock()
	if s.dbClosed {
		s.dbMu.RUnlock()
		return false
	}
	return true
}

// Lookup returns key's record, counting an access when touch is set.
// The record may be shared with other callers: it must not be modified.
// Once the table is loaded a key it does not hold is a miss without
// touching the index, so misses cost no disk I/O; before, the index
// answers. A failed disk, not yet out of the spread, finds nothing.
func (s *disk) Lookup(key string, touch bool) (*Record, bool) {
	if s.failure.Load() != nil {
		return nil, false
	}
	h := s.hash(key)
	freq, present := s.tableFreq(h, touch)
	if !present && s.loaded.Load() { // on a hash collision the index tells the keys apart
		return nil, false
	}
	if r := s.recs.get(key); r != nil {
		return r, true
	}
	seq := s.recs.seq.Load()
	r, err := s.get(key)
	if err != nil || r == nil {
		return nil, false
	}
	if !present || freq >= recAdmitHits {
		s.recs.put(r, seq)
	}
	return r, true
}

// recAdmitHits is the hit counter a slice's record needs to enter the
// record cache: a slice looked up once (most of a large disk's lookups
// under a skewed load) would otherwise push out the record of one
// looked up all the time. A slice the table does not know yet (before
// the index is loaded) is admitted.
const recAdmitHits = 2

// tableFreq looks h up in the eviction table, counting an access when touch
// is set, and returns its hit counter.
func (s *disk) tableFreq(h uint64, touch bool) (freq uint8, present bool) {
	if touch {
		return s.table.TouchFreq(h)
	}
	st, ok := s.table.Stat(h)
	return st.Freq, ok
}

// NeedsVerify reports whether a read of key should check checksums: its
// first read since start-up, then a VerifySample fraction of reads.
// That a slice was verified is a bit of its eviction-table entry; an
// entry two keys share (a hash collision) is never taken as verified.
func (s *disk) NeedsVerify(key string) bool {
	if s.pending.take(key) { // kept by KeepSample
		return true
	}
	if st, ok := s.table.Stat(s.hash(key)); !ok || !st.Flag || st.Keys > 1 {
		return true
	}
	return s.cfg.VerifySample > 0 && rand.Float64() < s.cfg.VerifySample
}

// markVerified records that key's bytes were checked whole.
func (s *disk) markVerified(key string) { s.table.SetFlag(s.hash(key)) }

// Open opens r's data file for sending. A missing file drops the record
// (ErrNotFound); a file whose size is not the record's is rot (a reader
// or sendfile would stop short and cut the response): the object is
// evicted as corrupt and the error wraps ErrChecksum; other errors count
// towards the degraded state and evict the object.
func (s *disk) Open(r *Record) (*os.File, error) {
	f, err := s.fs.Open(r.File)
	if err == nil {
		return s.checkSize(r, f)
	}
	if errors.Is(err, fs.ErrNotExist) {
		s.evict(r.Key, reasonDangling)
		return nil, fmt.Errorf("%w: %q: data file missing", ErrNotFound, r.Key)
	}
	s.ReadFailed(r, err)
	return nil, fmt.Errorf("disktier: opening %q: %w", r.Key, err)
}

// checkSize returns f if it is as long as r says, and otherwise closes
// it and evicts r.
func (s *disk) checkSize(r *Record, f *os.File) (*os.File, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		s.ReadFailed(r, err)
		return nil, fmt.Errorf("disktier: %q: %w", r.Key, err)
	}
	if fi.Size() != r.Length {
		f.Close()
		s.Corrupt(r)
		return nil, fmt.Errorf("%w: %q: data file is %d bytes, its record says %d", ErrChecksum, r.Key, fi.Size(), r.Length)
	}
	return f, nil
}

// ReadAt fills p with r's bytes from offset off within the slice,
// through a data file kept open between reads (OpenFiles). A file that
// cannot be read whole is evicted, as by Open and ReadFailed, and the
// error returned.
func (s *disk) ReadAt(r *Record, p []byte, off int64) error {
	o, err := s.fds.acquire(r, func() (*os.File, error) { return s.Open(r) })
	if err != nil {
		return err
	}
	_, err = o.f.ReadAt(p, off)
	s.fds.release(o)
	switch {
	case errors.Is(err, io.EOF): // cut since it was opened
		s.Corrupt(r)
		return fmt.Errorf("%w: %q: data file shorter than its record", ErrChecksum, r.Key)
	case err != nil:
		s.ReadFailed(r, err)
		return fmt.Errorf("disktier: reading %q: %w", r.Key, err)
	}
	return nil
}

// removeData removes a data file and closes it if it is held open for
// reads (in that order: see fdCache).
func (s *disk) removeData(name string) error {
	err := s.fs.Remove(name)
	s.fds.forget(name)
	return err
}

// ReadFailed evicts r after an I/O error reading it; the caller treats
// the object as a miss.
func (s *disk) ReadFailed(r *Record, err error) {
	s.log.Warn("disk read failed; evicting", "key", r.Key, "file", r.File, "err", err)
	s.ioError(err)
	s.m.ioErrors.Inc()
	s.evict(r.Key, reasonIOError)
}

// Corrupt evicts r after a checksum mismatch. Concurrent readers may
// find the same rot; it is counted once, by the one that evicts.
func (s *disk) Corrupt(r *Record) {
	if s.evict(r.Key, reasonCorrupt) {
		s.log.Error("checksum mismatch; evicted", "key", r.Key, "file", r.File)
		s.m.checksumFailures.Inc()
	}
}

// ChunkReader reads a stored slice chunk by chunk, returning a chunk's
// bytes only after its checksum matched. It is the read path for
// verification: first reads after start-up, sampled reads, the scrubber.
type ChunkReader struct {
	s        *disk
	r        *Record
	f        *os.File
	buf      []byte
	cur      int // index of the chunk in buf, -1 when none
	checked  []bool
	nChecked int
}

// NewChunkReader opens r for verified reading.
func (s *disk) NewChunkReader(r *Record) (*ChunkReader, error) {
	f, err := s.Open(r)
	if err != nil {
		return nil, err
	}
	if r.Length == 0 {
		s.markVerified(r.Key)
	}
	// No longer than the slice: a 16 KiB slice's verified read had
	// allocated and cleared a whole 64 KiB chunk.
	buf := make([]byte, min(int64(r.ChunkBytes), r.Length))
	return &ChunkReader{s: s, r: r, f: f, buf: buf, cur: -1, checked: make([]bool, len(r.CRCs))}, nil
}

// Next returns verified bytes of the slice from position pos (relative
// to the slice) to the end of pos's chunk; io.EOF at the end. On a
// checksum mismatch the object is evicted and ErrChecksum returned; on
// an I/O error the object is evicted and the error returned.
func (c *ChunkReader) Next(pos int64) ([]byte, error) {
	if pos >= c.r.Length {
		return nil, io.EOF
	}
	i := int(pos / int64(c.r.ChunkBytes))
	if i != c.cur {
		if err := c.load(i); err != nil {
			return nil, err
		}
	}
	start := int64(i) * int64(c.r.ChunkBytes)
	end := min(start+int64(c.r.ChunkBytes), c.r.Length)
	return c.buf[pos-start : end-start], nil
}

func (c *ChunkReader) load(i int) error {
	start := int64(i) * int64(c.r.ChunkBytes)
	n := int(min(int64(c.r.ChunkBytes), c.r.Length-start))
	c.cur = -1
	if _, err := c.f.ReadAt(c.buf[:n], start); err != nil {
		if errors.Is(err, io.EOF) { // the file is shorter than its record
			c.s.Corrupt(c.r)
			return fmt.Errorf("%w: %q: file truncated", ErrChecksum, c.r.Key)
		}
		c.s.ReadFailed(c.r, err)
		return fmt.Errorf("disktier: reading %q: %w", c.r.Key, err)
	}
	if checksum(c.buf[:n]) != c.r.CRCs[i] {
		c.s.Corrupt(c.r)
		return fmt.Errorf("%w: %q chunk %d", ErrChecksum, c.r.Key, i)
	}
	c.cur = i
	if !c.checked[i] {
		c.checked[i] = true
		if c.nChecked++; c.nChecked == len(c.checked) {
			c.s.markVerified(c.r.Key)
		}
	}
	return nil
}

// Close releases the data file.
func (c *ChunkReader) Close() error { return c.f.Close() }

// ReadAll returns the whole verified slice (for promotion to RAM).
func (c *ChunkReader) ReadAll() ([]byte, error) {
	out := make([]byte, 0, c.r.Length)
	for pos := int64(0); pos < c.r.Length; {
		p, err := c.Next(pos)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
		pos += int64(len(p))
	}
	return out, nil
}

// Has reports, from memory only, whether key is stored. Before the index
// is loaded it reports false.
func (s *disk) Has(key string) bool {
	return s.loaded.Load() && s.table.Has(s.hash(key))
}

// Hits returns key's hit counter in the eviction table: 0–3, raised by
// each Lookup with touch, cleared when the slice moves to S3-FIFO's
// main queue and lowered each time that queue passes over it (it
// survives restarts).
func (s *disk) Hits(key string) uint32 {
	st, _ := s.table.Stat(s.hash(key))
	return uint32(st.Freq)
}
