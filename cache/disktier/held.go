package disktier

import (
	"fmt"
	"os"
	"syscall"
)

// Held is a slice's data file held open for sending at explicit offsets
// (sendfile(2) with an offset, pread): neither moves the descriptor's
// file position, so concurrent responses share one descriptor from the
// open-file cache (OpenFiles) and a hit costs no open, seek or close.
// Release it once the response is written. It is a value, so that a hit
// allocates nothing for it; the zero Held holds nothing.
type Held struct {
	d *disk
	r *Record
	o *openFile
}

// Fd is the descriptor, valid until Release.
func (h *Held) Fd() int { return h.o.fd }

// Release gives the descriptor back to the open-file cache; a second
// call, or one on the zero Held, does nothing.
func (h *Held) Release() {
	if h.o != nil {
		h.d.fds.release(h.o)
		h.o = nil
	}
}

// ReleaseNoWait is Release for a caller that must not wait for a disk
// (an event loop): the last close of a file evicted while it was held,
// which frees its blocks, is made on a goroutine of its own.
func (h *Held) ReleaseNoWait() {
	if h.o == nil {
		return
	}
	if f := h.d.fds.unhold(h.o); f != nil {
		go f.Close()
	}
	h.o = nil
}

// Corrupt evicts the slice as rot: its bytes failed their checksums
// (Verify), or its file ended before the record's length while it was
// being sent (cut since the hit checked it; the response must then be
// cut short). Counted and logged once, as a ChunkReader's mismatch is.
// It writes the index: a caller that must not wait calls it on a
// goroutine.
func (h *Held) Corrupt() { h.d.Corrupt(h.r) }

// Hold returns r's data file held open for sending, once it is known
// as long as its record: at its open, or by an fstat when the last check
// is older than SizeCheck. A file found cut is evicted as corrupt and the
// error wraps ErrChecksum, before anything was sent; one cut since the
// last check is found by the send (Corrupt). Other failures are those of
// Open.
func (s *disk) Hold(r *Record) (Held, error) {
	o, err := s.fds.acquire(r, func() (*os.File, error) { return s.Open(r) })
	if err != nil {
		return Held{}, err
	}
	if now := monoNow(); now-o.sized.Load() >= int64(s.cfg.SizeCheck) {
		if err := s.checkHeld(r, o); err != nil {
			s.fds.release(o)
			return Held{}, err
		}
		o.sized.Store(now)
	}
	return Held{d: s, r: r, o: o}, nil
}

// checkHeld checks that o's file is still as long as r says.
func (s *disk) checkHeld(r *Record, o *openFile) error {
	var st syscall.Stat_t
	// The raw fstat: os.File.Stat allocates a FileInfo.
	if err := syscall.Fstat(o.fd, &st); err != nil {
		s.ReadFailed(r, err)
		return fmt.Errorf("disktier: %q: %w", r.Key, err)
	}
	if st.Size != r.Length {
		s.Corrupt(r)
		return fmt.Errorf("%w: %q: data file is %d bytes, its record says %d", ErrChecksum, r.Key, st.Size, r.Length)
	}
	return nil
}
